/**
 * Separates a rerun's epoch from the request id. `~` is in no request id and in no workflow-id
 * prefix (both allow only letters, digits and `._:-`), so a rerun id can never equal a live
 * one: the live request `batch-1-r9` and the epoch-9 rerun of `batch-1` are different runs.
 */
export const rerunSeparator = '~r';

/**
 * The workflow id of a request: `<prefix><requestId>` (default prefix "research-"), so a
 * redelivered or replayed event maps to the same id and Temporal refuses a second run.
 * A deliberate rerun adds its epoch: `research-<requestId>~r<epoch>`.
 *
 * @example
 * workflowIdFor('research-', 'batch-1');    // 'research-batch-1'
 * workflowIdFor('research-', 'batch-1', 9); // 'research-batch-1~r9'
 */
export function workflowIdFor(prefix: string, requestId: string, epoch?: number): string {
  return epoch === undefined ? `${prefix}${requestId}` : `${prefix}${requestId}${rerunSeparator}${epoch}`;
}
