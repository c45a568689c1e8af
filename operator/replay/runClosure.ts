import { WorkflowFailedError, type Client } from '@temporalio/client';
import { closedStatuses } from '../../src/intake/researchRunCanceller';
import { sleepUnlessAborted } from '../../src/retry/backoff';

/** How long one wait for a run's result lasts before it is started afresh (each wait gets a signal of its own). */
const waitMs = 60_000;
/** Pause before looking again after Temporal failed to answer. */
const retryMs = 2000;

/**
 * Resolves once the run has closed, however it ended (completed, failed, cancelled, terminated,
 * timed out), or once `stop` aborts. A Temporal outage is waited out, never taken for a close.
 * The client adds an abort listener per call and never removes it, so each wait of at most a
 * minute gets a signal of its own instead of piling listeners on `stop`.
 *
 * @example
 * await untilRunClosed(client, 'research-r-1~r3', replayStopped);
 */
export async function untilRunClosed(temporal: Client, workflowId: string, stop: AbortSignal): Promise<void> {
  const handle = temporal.workflow.getHandle(workflowId);
  while (!stop.aborted) {
    const attempt = AbortSignal.any([stop, AbortSignal.timeout(waitMs)]);
    try {
      await temporal.withAbortSignal(attempt, () => handle.result());
      return;
    } catch (error) {
      if (error instanceof WorkflowFailedError || stop.aborted) return;
      if (attempt.aborted) continue; // the minute is up: wait afresh
      // Closed but its result cannot be read (a payload codec error, say), or Temporal is away.
      if (await hasClosed(temporal, handle.workflowId, attempt)) return;
      await sleepUnlessAborted(retryMs, stop);
    }
  }
}

async function hasClosed(temporal: Client, workflowId: string, signal: AbortSignal): Promise<boolean> {
  try {
    const description = await temporal.withAbortSignal(AbortSignal.any([signal]), () => temporal.workflow.getHandle(workflowId).describe());
    return closedStatuses.has(description.status.name);
  } catch {
    return false;
  }
}
