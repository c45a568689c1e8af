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
 * DLQ record and no run. Poison may share its key with a good request (its id reused for another
 * question, a cancel of it where cancels are not taken): the key then has one run and a DLQ
 * record per poison record. Anonymous poison (see ChaosRecord) is counted by reason among the
 * DLQ records without a key.
 */
export function tally(records: readonly ChaosRecord[], observation: Observation, workflowIdPrefix: string): Tally {
  const runs = countBy(observation.runs, (run) => run.workflowId);
  const eventIds = groupDistinct(observation.terminal);
  const letters = countBy(observation.deadLetters, (record) => record.key ?? '');
  const reasons = reasonsByKey(observation.deadLetters);
  const reasonMismatches: string[] = [];
  const violations: string[] = [];
  let duplicateRuns = 0;
  let conflictingTerminals = 0;
  let lost = 0;
  for (const [key, group] of byKey(records.filter((record) => !record.anonymous))) {
    const runCount = runs.get(`${workflowIdPrefix}${key}`) ?? 0;
    const ids = eventIds.get(key)?.size ?? 0;
    const letterCount = letters.get(key) ?? 0;
    const good = group.some((record) => record.expect === 'good');
    const poison = group.filter((record) => record.expect === 'poison');
    duplicateRuns += Math.max(0, runCount - 1);
    if (ids > 1) conflictingTerminals += 1;
    // A good request's own record is lost without a terminal event, unless a DLQ record beyond its key's poison stands for it.
    if (good && ids === 0 && letterCount <= poison.length) lost += 1;
    // Poison that ran to a terminal event is not lost, but a violation (below).
    if (poison.length > 0 && (good || ids === 0)) lost += Math.max(0, poison.length - letterCount);
    if (good && letterCount > poison.length) violations.push(`good request ${short(key)} dead-lettered ${letterCount - poison.length}×`);
    if (good && ids > 0 && runCount === 0) violations.push(`good request ${short(key)} has a terminal event but no run`);
    if (!good && runCount > 0) violations.push(`poison record ${short(key)} started ${runCount} run(s)`);
    if (!good && poison.length > 0 && letterCount > poison.length) violations.push(`poison record ${short(key)} dead-lettered ${letterCount}×${poison.length > 1 ? ` (${poison.length} expected)` : ''}`);
    const found = reasons.get(key) ?? [];
    for (const record of poison) {
      if (record.reason && found.length > 0 && !found.includes(record.reason)) reasonMismatches.push(`${short(key)}: ${found.join('/')}, expected ${record.reason}`);
    }
  }
  const anonymous = accountAnonymous(records, observation.deadLetters);
  lost += anonymous.lost;
  violations.push(...anonymous.violations);
  const keys = new Set(records.map((record) => record.key));
  const strangers = [...runs.keys()].filter((workflowId) => !keys.has(workflowId.slice(workflowIdPrefix.length)));
  if (strangers.length > 0) violations.push(`${strangers.length} run(s) for no request sent, e.g. ${short(strangers[0] ?? '')}`);
  return {
    sent: records.length,
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

/**
 * Anonymous poison against the DLQ records without a key, reason by reason: fewer records than
 * expected are lost, more are a violation (a record dead-lettered twice, or one that should not
 * have been). Nothing to do for scenarios without anonymous poison.
 */
function accountAnonymous(records: readonly ChaosRecord[], deadLetters: readonly SeenRecord[]): { lost: number; violations: string[] } {
  const expected = countBy(records.filter((record) => record.anonymous), (record) => record.reason ?? '(none)');
  if (expected.size === 0) return { lost: 0, violations: [] };
  const found = countBy(deadLetters.filter((record) => !record.key), (record) => record.label ?? '(none)');
  let lost = 0;
  const violations: string[] = [];
  for (const [reason, count] of expected) lost += Math.max(0, count - (found.get(reason) ?? 0));
  for (const [reason, count] of found) {
    const wanted = expected.get(reason) ?? 0;
    if (count > wanted) violations.push(`${count - wanted} DLQ record(s) without a key and with reason ${reason} beyond the ${wanted} expected`);
  }
  return { lost, violations };
}

/** Records by key, in the order their keys first appear. */
function byKey(records: readonly ChaosRecord[]): Map<string, ChaosRecord[]> {
  const groups = new Map<string, ChaosRecord[]>();
  for (const record of records) groups.set(record.key, [...(groups.get(record.key) ?? []), record]);
  return groups;
}

function reasonsByKey(deadLetters: readonly SeenRecord[]): Map<string, string[]> {
  const reasons = new Map<string, string[]>();
  for (const record of deadLetters) reasons.set(record.key ?? '', [...(reasons.get(record.key ?? '') ?? []), record.label ?? '(none)']);
  return reasons;
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
