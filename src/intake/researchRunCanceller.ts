import { isGrpcServiceError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { ResearchCancel } from '../contracts/researchCancel';
import { runCancelNoteSignal } from '../contracts/runCancelNote';
import { RunNotStartedYetError } from '../errors';

/**
 * What a delivered cancel did: `requested` — the run was running and Temporal took the cancel
 * (a run already being cancelled takes it again, harmlessly); `finished` — the run had ended,
 * nothing changed; `not-found` — Temporal has no run for the request id, nothing changed;
 * `refused` — the cancel's requestedBy is not the run's (CANCEL_REQUIRE_SAME_REQUESTER), nothing
 * changed; `unmatched` — no run after the wait while requests sent before the cancel were still
 * not all taken in: its request may yet run.
 */
export type CancelResult = 'requested' | 'finished' | 'not-found' | 'refused' | 'unmatched';

/** The memo field of a run that holds its request's `requestedBy`. */
export const requesterMemoField = 'requestedBy';

/** Who may cancel, and how long a cancel waits for its run. */
export interface CancelPolicy {
  /** The cancel's requestedBy must equal the one the run's memo holds (a run that holds none refuses). */
  readonly requireSameRequester: boolean;
  /**
   * Absent: a run not found is `not-found` (a cancel on the requests topic follows its request).
   * Present: its request may still be on its way on the requests topic: until `until` (ms since
   * the epoch) the cancel waits, unless ingest has taken in every request sent before the cancel.
   */
  readonly wait?: { readonly until: number; readonly requestsTakenIn: () => Promise<boolean> };
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
  const description = (await describeRun(client, workflowId)) ?? (await runAfterWaiting(client, workflowId, policy));
  if (typeof description === 'string') return description;
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

type RunDescription = Awaited<ReturnType<WorkflowHandle['describe']>>;

/** The run of the id, or undefined when Temporal has none. */
async function describeRun(client: Client, workflowId: string): Promise<RunDescription | undefined> {
  try {
    return await client.workflow.getHandle(workflowId).describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    // Temporal refuses the id itself (longer than the server's limit): no run can have it.
    if (isGrpcServiceError((error as { cause?: unknown }).cause) && (error as { cause: { code: number } }).cause.code === 3) return undefined;
    throw error;
  }
}

/**
 * No run yet. Without a wait: `not-found`. With one: once ingest has taken in every request sent
 * before the cancel, a last look decides (a start made durable before that check is seen by it);
 * else, within the wait, a retryable error (looked at again with backoff); past it, `unmatched`.
 */
async function runAfterWaiting(client: Client, workflowId: string, policy: CancelPolicy | undefined): Promise<RunDescription | CancelResult> {
  if (!policy?.wait) return 'not-found';
  if (await policy.wait.requestsTakenIn()) return (await describeRun(client, workflowId)) ?? 'not-found';
  if (Date.now() >= policy.wait.until) return 'unmatched';
  throw new RunNotStartedYetError(`no run ${workflowId} yet, and requests sent before the cancel are still being taken in; the cancel waits for its request until ${new Date(policy.wait.until).toISOString()} (CANCEL_WAIT_FOR_RUN_MS)`);
}
