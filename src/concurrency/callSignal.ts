/**
 * Runs one call with a signal of its own that aborts when `parent` does, and lets go of it
 * afterwards: nothing of the call stays reachable from `parent`.
 *
 * Not `AbortSignal.any([parent])`: Node keeps such a signal, and whatever its listeners hold,
 * alive for as long as a source may still abort — and the Temporal client adds an abort
 * listener per call and never removes it. One per call on a long-lived parent (a consumer's
 * generation, its shutdown signal) kept every start's gRPC call and payloads: about 15 KB of
 * heap per record consumed.
 *
 * @example
 * await withCallSignal(shutdown, (signal) => client.withAbortSignal(signal, () => handle.describe()));
 */
export async function withCallSignal<T>(parent: AbortSignal, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const forward = (): void => controller.abort(parent.reason);
  if (parent.aborted) forward();
  else parent.addEventListener('abort', forward, { once: true });
  try {
    return await call(controller.signal);
  } finally {
    parent.removeEventListener('abort', forward);
  }
}
