import type { ChaosRecord } from './chaosRecord';
import type { SeenRecord } from './topicSnapshot';
import type { SeenRun } from './runSnapshot';

/** What Kafka and Temporal hold for one scenario at one moment. */
export interface Observation {
  readonly terminal: readonly SeenRecord[];
  readonly deadLetters: readonly SeenRecord[];
  readonly runs: readonly SeenRun[];
  /** Records of the request topic the consumer group has not committed past. */
  readonly lag: number;
}

/** The scenario's figures, as the table prints them, and what broke the rules. */
export interface Tally {
  readonly sent: number;
  readonly runs: number;
  readonly openRuns: number;
  readonly terminalEvents: number;
  /** Of the terminal events, how many were research.failed (the rest research.completed). */
  readonly failedEvents: number;
  readonly dlqRecords: number;
  /** Runs beyond the first for one request id. */
  readonly duplicateRuns: number;
  /** Terminal events sent again with an eventId already seen (a retried publish; subscribers dedupe them). */
  readonly repeatedEvents: number;
  /** The request ids of the first few of them, to look up in the logs. */
  readonly repeatedEventKeys: readonly string[];
  /** Requests whose terminal events carry more than one distinct eventId. */
  readonly conflictingTerminals: number;
  /** Records with no terminal event and no DLQ record. */
  readonly lost: number;
  /** How the poison was dead-lettered: reason → count. */
  readonly dlqReasons: Readonly<Record<string, number>>;
  /** Poison records dead-lettered with another reason than the one they were made for, e.g. "l-p3: key-mismatch, expected not-json". */
  readonly reasonMismatches: readonly string[];
  /** Every other broken expectation, one line each (a good request dead-lettered, a poison record run, …). */
  readonly violations: readonly string[];
}

/**
 * Holds a scenario's records against what the servers show: a good request must end as exactly
 * one run with exactly one terminal eventId and no DLQ record; a poison record as exactly one
 * DLQ record and no run.
 */
export function tally(records: readonly ChaosRecord[], observation: Observation, workflowIdPrefix: string): Tally {
  const runs = countBy(observation.runs, (run) => run.workflowId);
  const eventIds = groupDistinct(observation.terminal);
  const letters = countBy(observation.deadLetters, (record) => record.key ?? '');
  const reasons = new Map(observation.deadLetters.map((record) => [record.key ?? '', record.label ?? '(none)']));
  const reasonMismatches: string[] = [];
  const violations: string[] = [];
  let duplicateRuns = 0;
  let conflictingTerminals = 0;
  let lost = 0;
  const keys = new Set<string>();
  for (const record of records) {
    if (keys.has(record.key)) continue;
    keys.add(record.key);
    const runCount = runs.get(`${workflowIdPrefix}${record.key}`) ?? 0;
    const ids = eventIds.get(record.key)?.size ?? 0;
    const letterCount = letters.get(record.key) ?? 0;
    duplicateRuns += Math.max(0, runCount - 1);
    if (ids > 1) conflictingTerminals += 1;
    if (ids === 0 && letterCount === 0) lost += 1;
    if (record.expect === 'good' && letterCount > 0) violations.push(`good request ${short(record.key)} dead-lettered ${letterCount}×`);
    if (record.expect === 'good' && ids > 0 && runCount === 0) violations.push(`good request ${short(record.key)} has a terminal event but no run`);
    if (record.expect === 'poison' && runCount > 0) violations.push(`poison record ${short(record.key)} started ${runCount} run(s)`);
    const reason = reasons.get(record.key);
    if (record.reason && reason && reason !== record.reason) reasonMismatches.push(`${short(record.key)}: ${reason}, expected ${record.reason}`);
    if (record.expect === 'poison' && letterCount > 1) violations.push(`poison record ${short(record.key)} dead-lettered ${letterCount}×`);
  }
  const strangers = [...runs.keys()].filter((workflowId) => !keys.has(workflowId.slice(workflowIdPrefix.length)));
  if (strangers.length > 0) violations.push(`${strangers.length} run(s) for no request sent, e.g. ${short(strangers[0] ?? '')}`);
  return {
    sent: keys.size,
    runs: observation.runs.length,
    openRuns: observation.runs.filter((run) => run.open).length,
    terminalEvents: observation.terminal.length,
    failedEvents: observation.terminal.filter((record) => record.topic.endsWith('.failed')).length,
    dlqRecords: observation.deadLetters.length,
    duplicateRuns,
    repeatedEvents: observation.terminal.length - [...eventIds.values()].reduce((sum, ids) => sum + ids.size, 0),
    repeatedEventKeys: [...countBy(observation.terminal, (record) => `${record.key ?? ''}\u0000${record.label ?? ''}`)]
      .filter(([, count]) => count > 1)
      .map(([pair]) => pair.split('\u0000')[0] ?? '')
      .slice(0, 5),
    conflictingTerminals,
    lost,
    dlqReasons: Object.fromEntries(countBy(observation.deadLetters, (record) => record.label ?? '(none)')),
    reasonMismatches,
    violations,
  };
}

function countBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(keyOf(item), (counts.get(keyOf(item)) ?? 0) + 1);
  return counts;
}

function groupDistinct(records: readonly SeenRecord[]): Map<string, Set<string>> {
  const groups = new Map<string, Set<string>>();
  for (const record of records) {
    const key = record.key ?? '';
    const set = groups.get(key) ?? new Set<string>();
    set.add(record.label ?? '(no ce_id)');
    groups.set(key, set);
  }
  return groups;
}

function short(key: string): string {
  return key.length > 40 ? `${key.slice(0, 37)}…(${key.length})` : key;
}
