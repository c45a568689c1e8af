import { isGrpcServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { ResearchCancel } from '../contracts/researchCancel';
import { runCancelNoteSignal } from '../contracts/runCancelNote';
import { RunNotStartedYetError } from '../errors';

/**
 * What a delivered cancel did: `requested` — the run was running and Temporal took the cancel
 * (a run already being cancelled takes it again, harmlessly); `finished` — the run had ended,
 * nothing changed; `not-found` — Temporal has no run for the request id, nothing changed;
 * `refused` — the cancel's requestedBy is not the run's (CANCEL_REQUIRE_SAME_REQUESTER), nothing changed.
 */
export type CancelResult = 'requested' | 'finished' | 'not-found' | 'refused';

/** The memo field of a run that holds its request's `requestedBy`. */
export const requesterMemoField = 'requestedBy';

/** Who may cancel, and how long a cancel waits for its run. */
export interface CancelPolicy {
  /** The cancel's requestedBy must equal the one the run's memo holds (a run that holds none refuses). */
  readonly requireSameRequester: boolean;
  /** Until this time (ms since the epoch) a run not found yet is waited for: its request may still be on its way. */
  readonly waitForRunUntil: number;
}

/**
 * The statuses of a run that has ended. Any other (RUNNING, PAUSED — an open run an operator
 * paused, which takes the note and the cancel and acts on them once resumed) is open.
 */
/** The statuses of a closed run (anything else — RUNNING, PAUSED, … — is open). */
export const closedStatuses: ReadonlySet<string> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'CONTINUED_AS_NEW', 'TIMED_OUT']);

/**
 * Cancels the running run of one workflow id — the one cancel of the intake path. It never
 * starts anything: only a run that Temporal reports open (not closed) is touched, and that exact run (by
 * its run id), so a later run under the same id is never hit. The cancel's reason goes first,
 * as a signal the run records (Temporal's cancel request carries none the workflow can read);
 * a signal refused because the run ended meanwhile means `finished`. Safe to repeat: a second
 * note is ignored by the run, a second cancel request by Temporal.
 */
export async function cancelResearchRun(client: Client, workflowId: string, cancel: ResearchCancel, policy?: CancelPolicy): Promise<CancelResult> {
  let description;
  try {
    description = await client.workflow.getHandle(workflowId).describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return notFound(workflowId, policy);
    // Temporal refuses the id itself (longer than the server's limit): no run can have it.
    if (isGrpcServiceError((error as { cause?: unknown }).cause) && (error as { cause: { code: number } }).cause.code === 3) return 'not-found';
    throw error;
  }
  if (policy?.requireSameRequester && (cancel.requestedBy === undefined || description.memo?.[requesterMemoField] !== cancel.requestedBy)) return 'refused';
  if (closedStatuses.has(description.status.name)) return 'finished';
  const run = client.workflow.getHandle(workflowId, description.runId);
  try {
    await run.signal(runCancelNoteSignal, cancel.reason !== undefined ? { reason: cancel.reason } : {});
    await run.cancel();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return 'finished';
    throw error;
  }
  return 'requested';
}

/** No run yet: within the wait, a retryable error (its request may be behind it on another topic); after it, `not-found`. */
function notFound(workflowId: string, policy: CancelPolicy | undefined): CancelResult {
  if (policy && Date.now() < policy.waitForRunUntil) throw new RunNotStartedYetError(`no run ${workflowId} yet; the cancel waits for its request until ${new Date(policy.waitForRunUntil).toISOString()} (CANCEL_WAIT_FOR_RUN_MS)`);
  return 'not-found';
}
