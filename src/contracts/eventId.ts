import { createHash } from 'node:crypto';

/**
 * The id of a result event: a UUID-shaped SHA-256 of the event type, workflow id and run id.
 * A publish that Temporal retries yields the same id, so subscribers can dedupe on it;
 * a rerun (new run id or epoch) yields a new one.
 */
export function resultEventId(eventType: string, workflowId: string, runId: string): string {
  const hex = createHash('sha256').update(`${eventType}\n${workflowId}\n${runId}`).digest('hex');
  // Shaped as an RFC 9562 version-8 (custom) UUID.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The id of one progress event of a run: like {@link resultEventId}, with the step
 * (`planned`, `searched-3`, `writing`, `published`) in the hash, so each step has its own id and
 * a retried publish of the step the same one.
 */
export function progressEventId(eventType: string, workflowId: string, runId: string, step: string): string {
  return resultEventId(eventType, workflowId, `${runId}\n${step}`);
}
