import { WorkflowNotFoundError, type Client } from '@temporalio/client';

/** What Temporal knows of a run's trace id (kept in the run's memo when it started). */
export type RunTraceIdAnswer =
  | { readonly kind: 'found'; readonly workflowId: string; readonly traceId: string }
  | { readonly kind: 'no-run'; readonly workflowId: string }
  | { readonly kind: 'no-trace-id'; readonly workflowId: string }
  /** Temporal could not be asked; the reason names the server and variable. */
  | { readonly kind: 'unavailable'; readonly workflowId: string; readonly reason: string };

/**
 * The trace id in the memo of the run with this workflow id, as `research-relay status` shows
 * it. Temporal is only a second source for the trace tools, so its failures are answers, not
 * errors.
 *
 * @example
 * await runTraceId(() => context.temporal(), 'research-r-42'); // { kind: 'found', workflowId: 'research-r-42', traceId: '4bf9…' }
 */
export async function runTraceId(temporal: () => Promise<Client>, workflowId: string): Promise<RunTraceIdAnswer> {
  try {
    const description = await (await temporal()).workflow.getHandle(workflowId).describe();
    const traceId = description.memo?.traceId;
    return typeof traceId === 'string' && traceId !== '' ? { kind: 'found', workflowId, traceId } : { kind: 'no-trace-id', workflowId };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { kind: 'no-run', workflowId };
    return { kind: 'unavailable', workflowId, reason: error instanceof Error ? error.message : String(error) };
  }
}
