import type { ScenarioResult } from './scenarioRun';

const columns = ['scenario', 'requests', 'runs', 'terminal events', 'DLQ records', 'duplicate runs', '>1 eventId', 'lost', 'drain', 'fault fired'] as const;

/** Whether a scenario kept every promise: nothing lost or doubled, the fault fired, the picture settled. */
export function passed(result: ScenarioResult): boolean {
  const { tally } = result;
  return result.settled && result.proofs.length > 0 && tally.lost === 0 && tally.duplicateRuns === 0 && tally.conflictingTerminals === 0 && tally.violations.length === 0;
}

function drain(result: ScenarioResult): string {
  if (result.drainMs === undefined) return 'deadline passed';
  const seconds = `${(result.drainMs / 1000).toFixed(1)} s`;
  return result.settled ? seconds : `${seconds} (unsettled)`;
}

function row(result: ScenarioResult): string[] {
  const { tally } = result;
  return [
    `${result.scenario.id}. ${result.scenario.title}${result.brokers === 3 ? ' (3 brokers)' : ''}`,
    String(tally.sent),
    String(tally.runs),
    tally.failedEvents > 0 ? `${tally.terminalEvents} (${tally.failedEvents} failed)` : String(tally.terminalEvents),
    String(tally.dlqRecords),
    String(tally.duplicateRuns),
    String(tally.conflictingTerminals),
    tally.lost > 0 && !result.settled ? `${tally.lost} (deadline)` : String(tally.lost),
    drain(result),
    result.proofs.length > 0 ? 'yes' : 'NO',
  ];
}

/** The results as one Markdown table, then per scenario the proof of its fault and anything to look at. */
export function formatChaosTable(results: readonly ScenarioResult[]): string {
  const rows = results.map(row);
  const lines = [`| ${columns.join(' | ')} |`, `| ${columns.map((_, index) => (index === 0 ? '---' : '---:')).join(' | ')} |`, ...rows.map((cells) => `| ${cells.join(' | ')} |`)];
  lines.push('');
  for (const result of results) {
    const details = [
      ...result.proofs.map((proof) => `fault: ${proof}`),
      ...result.notes,
      ...(result.tally.repeatedEvents > 0 ? [`terminal events published again with the same eventId (a retried publish, deduped by subscribers): ${result.tally.repeatedEvents} (${result.tally.repeatedEventKeys.join(', ')})`] : []),
      ...(result.tally.reasonMismatches.length > 0 ? [`DLQ reason other than expected for ${result.tally.reasonMismatches.length} record(s), e.g. ${result.tally.reasonMismatches.slice(0, 3).join('; ')}`] : []),
      ...result.tally.violations.map((violation) => `VIOLATION: ${violation}`),
      ...result.unplannedExits.map((exit) => `unplanned exit (restarted): ${exit}`),
      ...(result.tally.openRuns > 0 ? [`runs still open at the end: ${result.tally.openRuns}`] : []),
    ];
    lines.push(`${result.scenario.id}. ${passed(result) ? 'PASS' : 'FAIL'} — ${details.join('; ') || 'no details'}`);
  }
  return lines.join('\n');
}
