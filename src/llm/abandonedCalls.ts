import { AsyncLocalStorage } from 'node:async_hooks';

type Fetch = typeof globalThis.fetch;

/** Who hears about the HTTP attempts of the model call in progress that were abandoned. */
const listener = new AsyncLocalStorage<() => void>();

/**
 * Runs one model call, telling `onAbandoned` about each HTTP attempt its client abandoned: the
 * SDK aborts an attempt on its timeout (and then retries it) or on our cancellation signal. The
 * request had reached the endpoint, which may have billed its prompt, yet no usage comes back.
 */
export function observingAbandonedAttempts<T>(onAbandoned: () => void, run: () => Promise<T>): Promise<T> {
  return listener.run(onAbandoned, run);
}

/**
 * A fetch for the OpenAI client that reports aborted attempts to the model call running them.
 * Refused connections and HTTP errors are not reported: nothing was generated, nothing billed.
 */
export function abandonedAttemptReportingFetch(inner: Fetch = globalThis.fetch): Fetch {
  return async (input, init) => {
    try {
      return await inner(input, init);
    } catch (error) {
      if (init?.signal?.aborted) listener.getStore()?.();
      throw error;
    }
  };
}
