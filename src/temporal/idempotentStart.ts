import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowStartOptions } from '@temporalio/client';
import { isGrpcServiceError } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { StartRejectedError, TemporalUnavailableError } from '../errors';

export type ReusePolicyName = 'reject-duplicate' | 'allow-duplicate-failed-only';

/** What a start did: a new (or still running) run, or a refusal because the id already ran. */
export type StartOutcome =
  | { readonly kind: 'started'; readonly workflowId: string; readonly runId: string }
  | { readonly kind: 'duplicate'; readonly workflowId: string };

/**
 * Starts a workflow so that the same id never yields a second run:
 * - a run with this id still running → Temporal hands back that run (conflict policy USE_EXISTING);
 * - a closed run with this id → Temporal refuses (reuse policy REJECT_DUPLICATE, or
 *   ALLOW_DUPLICATE_FAILED_ONLY to let failed runs be retried) and we report a duplicate.
 * Both count as success for the caller. Temporal only remembers closed runs for the
 * namespace's retention period; a replay after that starts a new run.
 *
 * Note: with USE_EXISTING the server's "started" flag is not exposed by the TypeScript SDK,
 * so attaching to a running run is also reported as `started` with that run's id.
 */
export async function startIdempotently<W extends Workflow>(
  client: Client,
  workflow: W | string,
  options: Omit<WorkflowStartOptions<W>, 'workflowIdConflictPolicy' | 'workflowIdReusePolicy'> & {
    reusePolicy: ReusePolicyName;
    /** `fail`: a running run with this id is a duplicate too (replay counts it as existing). */
    conflict?: 'use-existing' | 'fail';
  },
): Promise<StartOutcome> {
  const { reusePolicy, conflict, ...startOptions } = options;
  try {
    const handle = await client.workflow.start(workflow, {
      ...(startOptions as WorkflowStartOptions<W>),
      workflowIdConflictPolicy: conflict === 'fail' ? 'FAIL' : 'USE_EXISTING',
      workflowIdReusePolicy: reusePolicy === 'reject-duplicate' ? 'REJECT_DUPLICATE' : 'ALLOW_DUPLICATE_FAILED_ONLY',
    });
    return { kind: 'started', workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { kind: 'duplicate', workflowId: options.workflowId };
    throw classifyStartError(error, options.workflowId);
  }
}

/**
 * Unreachable or throttling servers are retryable; INVALID_ARGUMENT is the start's own fault
 * and never succeeds; anything else (permissions, a missing namespace: every start would hit
 * it) is passed on unchanged, and the caller keeps retrying it.
 */
function classifyStartError(error: unknown, workflowId: string): unknown {
  const grpc = isGrpcServiceError(error) ? error : isGrpcServiceError((error as { cause?: unknown })?.cause) ? (error as { cause: unknown }).cause : undefined;
  if (!grpc || !isGrpcServiceError(grpc)) return error;
  // 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED, 8 RESOURCE_EXHAUSTED (namespace rate limit), 1 CANCELLED
  if ([1, 4, 8, 14].includes(grpc.code)) {
    return new TemporalUnavailableError(`Temporal did not accept the start of ${workflowId}: ${grpc.details || grpc.message}`, { cause: error });
  }
  // 3 INVALID_ARGUMENT
  if (Number(grpc.code) === 3) return new StartRejectedError(workflowId, `Temporal rejected the start of ${workflowId}: ${grpc.details || grpc.message}`, { cause: error });
  return error;
}
