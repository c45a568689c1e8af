/**
 * The workflow id of a request: `<prefix><requestId>` (default prefix "research-"), so a
 * redelivered or replayed event maps to the same id and Temporal refuses a second run.
 * A deliberate rerun adds an epoch: `research-<requestId>-r<epoch>`.
 */
export function workflowIdFor(prefix: string, requestId: string, epoch?: number): string {
  return epoch === undefined ? `${prefix}${requestId}` : `${prefix}${requestId}-r${epoch}`;
}
