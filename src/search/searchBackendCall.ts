import { SearchBackendRejectedError, SearchBackendUnavailableError } from '../errors';
import { retryWithBackoff, sleepUnlessAborted, type BackoffPolicy } from '../retry/backoff';

/** How a provider retries its back end within one `gather`, before Temporal retries the activity. */
export interface BackendRetryOptions {
  /** Requests per gather, the first included (default 3). */
  readonly maxAttempts?: number;
  /** Waits between them (default 500 ms doubling up to 5 s, jittered); tests make it small. */
  readonly backoff?: BackoffPolicy;
  /** The longest Retry-After waited out here (default 10 s); a longer one ends the gather at once, retryably. */
  readonly maxRetryAfterMs?: number;
}

export const defaultSearchTimeoutMs = 15_000;

/**
 * The most bytes of an answer a provider reads. A search answer is tens of KB; one past this
 * is no search answer (a proxy serving a file, a misrouted download), and asking again would
 * only fetch it again, so it is rejected, not retried.
 */
export const maxAnswerBytes = 4 * 1024 * 1024;
const defaultBackoff: BackoffPolicy = { initialMs: 500, maxMs: 5000, factor: 2 };

/** A failure a later request may not meet (429, 5xx, a timeout, no connection). */
export class TransientBackendFailure extends Error {
  constructor(
    readonly status: number | undefined,
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransientBackendFailure';
  }
}

/**
 * Runs `request` until it succeeds, fails for good, or `maxAttempts` transient failures have
 * happened; then throws SearchBackendUnavailableError (retryable), carrying the last
 * Retry-After for Temporal. A SearchBackendRejectedError from `request` is thrown at once. An
 * abort of `signal` ends it with the signal's reason. A Retry-After longer than the backoff
 * delay is waited out in full before the next request.
 */
export async function withBackendRetries<T>(
  backend: string,
  request: (signal: AbortSignal | undefined) => Promise<T>,
  options: { readonly signal?: AbortSignal | undefined; readonly retry?: BackendRetryOptions | undefined },
): Promise<T> {
  const { signal } = options;
  const maxAttempts = options.retry?.maxAttempts ?? 3;
  const maxRetryAfterMs = options.retry?.maxRetryAfterMs ?? 10_000;
  let attempts = 0;
  let extraWaitMs = 0;
  try {
    return await retryWithBackoff(
      async () => {
        if (extraWaitMs > 0) await sleepUnlessAborted(extraWaitMs, signal);
        signal?.throwIfAborted();
        attempts += 1;
        return await request(signal);
      },
      {
        policy: options.retry?.backoff ?? defaultBackoff,
        ...(signal ? { signal } : {}),
        shouldRetry: (error, attempt) =>
          error instanceof TransientBackendFailure && attempt < maxAttempts && (error.retryAfterMs ?? 0) <= maxRetryAfterMs,
        onRetry: (error, _attempt, delayMs) => {
          const retryAfterMs = error instanceof TransientBackendFailure ? (error.retryAfterMs ?? 0) : 0;
          extraWaitMs = Math.max(0, retryAfterMs - delayMs);
        },
      },
    );
  } catch (error) {
    signal?.throwIfAborted();
    if (error instanceof TransientBackendFailure) {
      const message = `${error.message} (gave up after ${attempts} request${attempts === 1 ? '' : 's'})`;
      throw new SearchBackendUnavailableError(backend, error.status, attempts, message, { cause: error, retryAfterMs: error.retryAfterMs });
    }
    throw error;
  }
}

/**
 * The failure an HTTP status stands for: 408, 429 and 5xx are transient; any other 4xx is the
 * back end refusing this request for good (401/403: the configuration), with `advice` saying
 * what to check.
 */
export function failureForStatus(
  backend: string,
  status: number,
  detail: string,
  retryAfterMs: number | undefined,
  advice: (status: number) => string,
): SearchBackendRejectedError | TransientBackendFailure {
  const said = detail ? ` (it said: ${detail})` : '';
  if (status === 408 || status === 429 || status >= 500) {
    return new TransientBackendFailure(status, `${backend} answered ${status}${said}`, retryAfterMs);
  }
  return new SearchBackendRejectedError(backend, status, `${backend} refused the search (${status}): ${advice(status)}${said}`);
}

/**
 * The wait a Retry-After header asks for, in milliseconds: delay-seconds or an HTTP date.
 * Undefined when absent or unreadable.
 *
 * @example
 * retryAfterMs('2'); // 2000
 */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * `work`, or the signal's reason as soon as it aborts, for clients that take no signal; the
 * abandoned work still ends by its own timeout, and its late failure is swallowed.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  work.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The rejection of an answer larger than {@link maxAnswerBytes}; `variable` is the setting to check. */
export function oversizedAnswer(backend: string, status: number | undefined, endpoint: string, variable: string): SearchBackendRejectedError {
  return new SearchBackendRejectedError(backend, status, `${backend} at ${endpoint} answered more than ${maxAnswerBytes / 1024 / 1024} MiB, which no search answer is: is ${variable} the right address?`);
}

/**
 * A back end's URL as messages show it: scheme, host and path, without credentials or a query
 * string (either may carry a token).
 *
 * @example
 * shownEndpoint('https://user:pw@search.example/searx/?token=t'); // 'https://search.example/searx/'
 */
export function shownEndpoint(url: string | URL): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(an unreadable URL)';
  }
}
