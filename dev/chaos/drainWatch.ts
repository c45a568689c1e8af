import type { ChaosRecord } from './chaosRecord';
import { tally, type Observation, type Tally } from './chaosLedger';

export interface DrainOptions {
  readonly records: readonly ChaosRecord[];
  readonly workflowIdPrefix: string;
  /** Reads what the servers hold now; may throw while a server is away. */
  readonly observe: () => Promise<Observation>;
  /** When the last fault ended (ms since the epoch): the drain time counts from here. */
  readonly faultEndedAt: number;
  /** When to stop waiting (ms since the epoch); what is missing then counts as lost. */
  readonly deadline: number;
  readonly pollMs?: number;
  readonly onProgress?: (tally: Tally) => void;
}

export interface DrainResult {
  readonly tally: Tally;
  /** Last fault end → every record accounted for; undefined when that never happened. */
  readonly drainMs: number | undefined;
  /** Every record accounted for, no run open, the group caught up, and two reads agreed. */
  readonly settled: boolean;
}

/**
 * Waits until every record is accounted for (a terminal event or a DLQ record), then until the
 * picture stops moving — no run open, nothing left uncommitted on the request topic, two reads
 * in a row the same — so a late duplicate run or second event would still be counted.
 */
export async function awaitDrain(options: DrainOptions): Promise<DrainResult> {
  let accountedAt: number | undefined;
  let last: Tally | undefined;
  let previous = '';
  let lastError: unknown;
  for (;;) {
    try {
      const observation = await options.observe();
      const current = tally(options.records, observation, options.workflowIdPrefix);
      options.onProgress?.(current);
      last = current;
      if (current.lost === 0) accountedAt ??= Date.now();
      else accountedAt = undefined;
      const signature = JSON.stringify([current.runs, current.terminalEvents, current.dlqRecords]);
      if (accountedAt !== undefined && current.openRuns === 0 && observation.lag === 0 && signature === previous) {
        return { tally: current, drainMs: accountedAt - options.faultEndedAt, settled: true };
      }
      previous = signature;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > options.deadline) break;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1500));
  }
  if (!last) throw new Error(`could not read the servers before the deadline: ${String(lastError)}`);
  return { tally: last, drainMs: accountedAt === undefined ? undefined : accountedAt - options.faultEndedAt, settled: false };
}
