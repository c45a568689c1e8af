import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client, type WorkflowStartOptions } from '@temporalio/client';
import { isGrpcServiceError } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { StartRejectedError, TemporalUnavailableError } from '../errors';

export type ReusePolicyName = 'reject-duplicate' | 'allow-duplicate-failed-only';

/**
 * What a start did: a new run; a run that already has this id (running — a redelivery attaches
 * to it — or closed); or a run with this id that holds another request (`id-reused`).
 */
export type StartOutcome =
  | { readonly kind: 'started'; readonly workflowId: string; readonly runId: string }
  | { readonly kind: 'duplicate'; readonly workflowId: string }
  | { readonly kind: 'id-reused'; readonly workflowId: string; readonly existingStatus: string };

/** A value kept in the run's memo that says what the run is for: another value under the same id is another request. */
export interface RunIdentity {
  readonly memoField: string;
  readonly value: string;
}

/**
 * Closed runs that allow-duplicate-failed-only may start again: they failed, timed out or were
 * terminated (an operator's stop, which publishes nothing). A cancelled run never runs again:
 * its sender asked for it to stop, and it published its terminal event.
 */
const rerunnableStatuses: ReadonlySet<string> = new Set(['FAILED', 'TIMED_OUT', 'TERMINATED']);
const openStatuses: ReadonlySet<string> = new Set(['RUNNING', 'PAUSED']);

export type IdempotentStartOptions<W extends Workflow> = Omit<WorkflowStartOptions<W>, 'workflowIdConflictPolicy' | 'workflowIdReusePolicy'> & {
  reusePolicy: ReusePolicyName;
  /** Checked against an existing run's memo; absent there (a run started before it was kept): the same request. */
  identity?: RunIdentity;
};

/**
 * Starts a workflow so that the same id never yields a second run. The start itself refuses
 * any existing run (conflict FAIL, reuse REJECT_DUPLICATE); the existing run is then described:
 * - it holds another request (its memo's identity differs) → `id-reused`;
 * - it is running → `duplicate` (a redelivery belongs to that run);
 * - it is closed → `duplicate`, except that under allow-duplicate-failed-only a failed,
 *   timed-out or terminated run is started again (never a completed or cancelled one).
 * Temporal only remembers closed runs for the namespace's retention period; a replay after
 * that starts a new run.
 */
export async function startIdempotently<W extends Workflow>(client: Client, workflow: W | string, options: IdempotentStartOptions<W>): Promise<StartOutcome> {
  const { reusePolicy, identity, ...startOptions } = options;
  const { workflowId } = options;
  const started = await tryStart(client, workflow, startOptions as WorkflowStartOptions<W>, 'REJECT_DUPLICATE');
  if (started) return started;
  const existing = await describeExisting(client, workflowId);
  if (identity && holdsAnother(identity, existing.memo)) return { kind: 'id-reused', workflowId, existingStatus: existing.status };
  if (openStatuses.has(existing.status) || reusePolicy === 'reject-duplicate' || !rerunnableStatuses.has(existing.status)) return { kind: 'duplicate', workflowId };
  return (await tryStart(client, workflow, startOptions as WorkflowStartOptions<W>, 'ALLOW_DUPLICATE_FAILED_ONLY')) ?? { kind: 'duplicate', workflowId };
}

/** The start, or undefined when a run with the id already exists (a running one, or a closed one the policy keeps). */
async function tryStart<W extends Workflow>(client: Client, workflow: W | string, options: WorkflowStartOptions<W>, reuse: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE_FAILED_ONLY'): Promise<StartOutcome | undefined> {
  try {
    const handle = await client.workflow.start(workflow, { ...options, workflowIdConflictPolicy: 'FAIL', workflowIdReusePolicy: reuse });
    return { kind: 'started', workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return undefined;
    throw classifyStartError(error, options.workflowId);
  }
}

/**
 * Whether the run's memo names another request: only a value of the same version (the text
 * before its first `:`) is compared; none, or one of another version, counts as the same.
 */
function holdsAnother(identity: RunIdentity, memo: Record<string, unknown> | undefined): boolean {
  const existing = memo?.[identity.memoField];
  if (typeof existing !== 'string') return false;
  const version = (value: string): string => value.slice(0, value.indexOf(':') + 1);
  return version(existing) === version(identity.value) && existing !== identity.value;
}

/**
 * The status and memo of the run that holds the id now. A memo this process cannot decode (a
 * payload key taken out of PAYLOAD_ENCRYPTION_KEYS, encryption turned off) leaves the memo out:
 * the status alone decides, read without decoding anything.
 */
async function describeExisting(client: Client, workflowId: string): Promise<{ status: string; memo?: Record<string, unknown> }> {
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    return { status: description.status.name, ...(description.memo ? { memo: description.memo } : {}) };
  } catch (error) {
    // Refused as existing, then not found: it was removed in between (retention); the next attempt starts it.
    if (error instanceof WorkflowNotFoundError) throw new TemporalUnavailableError(`the run ${workflowId} refused the start and then was not found; trying again`, { cause: error });
    if (isGrpcServiceError(error) || isGrpcServiceError((error as { cause?: unknown })?.cause)) throw classifyStartError(error, workflowId);
    return { status: await rawStatus(client, workflowId) };
  }
}

/** The run's status straight from the service, decoding no payload. */
async function rawStatus(client: Client, workflowId: string): Promise<string> {
  try {
    const raw = await client.workflowService.describeWorkflowExecution({ namespace: client.options.namespace, execution: { workflowId } });
    const code = raw.workflowExecutionInfo?.status ?? 0;
    const name = temporal.api.enums.v1.WorkflowExecutionStatus[code] ?? 'UNSPECIFIED';
    // The SDK's names: CANCELED is spelt CANCELLED there, as closedStatuses and this file expect.
    return name.replace('WORKFLOW_EXECUTION_STATUS_', '').replace(/^CANCELED$/, 'CANCELLED');
  } catch (error) {
    throw classifyStartError(error, workflowId);
  }
}

/**
 * Unreachable or throttling servers are retryable; INVALID_ARGUMENT is the start's own fault
 * and never succeeds, and so is an INTERNAL error that names invalid UTF-8 (text protobuf
 * cannot encode); anything else (permissions, a missing namespace: every start would hit it)
 * is passed on unchanged, and the caller keeps retrying it.
 */
function classifyStartError(error: unknown, workflowId: string): unknown {
  const grpc = isGrpcServiceError(error) ? error : isGrpcServiceError((error as { cause?: unknown })?.cause) ? (error as { cause: unknown }).cause : undefined;
  if (!grpc || !isGrpcServiceError(grpc)) return error;
  const details = grpc.details || grpc.message;
  // 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED, 8 RESOURCE_EXHAUSTED (namespace rate limit), 1 CANCELLED
  if ([1, 4, 8, 14].includes(grpc.code)) {
    return new TemporalUnavailableError(`Temporal did not accept the start of ${workflowId}: ${details}`, { cause: error });
  }
  // 3 INVALID_ARGUMENT; 13 INTERNAL about invalid UTF-8 (a string that cannot be marshalled)
  if (Number(grpc.code) === 3 || (Number(grpc.code) === 13 && /invalid UTF-8/i.test(details))) {
    return new StartRejectedError(workflowId, `Temporal rejected the start of ${workflowId}: ${details}`, { cause: error });
  }
  return error;
}
