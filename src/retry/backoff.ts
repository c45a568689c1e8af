/** Exponential backoff with full jitter. */
export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
}

export const defaultBackoff: BackoffPolicy = { initialMs: 200, maxMs: 30_000, factor: 2 };

/** The delay before retry number `attempt` (1-based): random in [d/2, d], d = initial·factor^(attempt-1) capped. */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export interface RetryOptions {
  readonly policy?: BackoffPolicy;
  /** Whether the error of attempt number `attempt` (1-based) is worth another attempt; others are thrown at once. */
  readonly shouldRetry: (error: unknown, attempt: number) => boolean;
  /** Stops the retries: the last error is thrown as soon as the signal aborts. */
  readonly signal?: AbortSignal;
  /** Called before each wait (logging, metrics). */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Called about every second while waiting (keeps a Kafka group session alive). */
  readonly whileWaiting?: () => Promise<void> | void;
}

/**
 * Runs `operation` until it succeeds, a non-retryable error occurs, or the signal aborts.
 *
 * @example
 * await retryWithBackoff(() => client.workflow.start(...), { shouldRetry: isRetryable, signal });
 */
export async function retryWithBackoff<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const policy = options.policy ?? defaultBackoff;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!options.shouldRetry(error, attempt) || options.signal?.aborted) throw error;
      const delay = backoffDelay(policy, attempt);
      options.onRetry?.(error, attempt, delay);
      await waitWhile(delay, options.signal, options.whileWaiting);
      if (options.signal?.aborted) throw error;
    }
  }
}

async function waitWhile(totalMs: number, signal: AbortSignal | undefined, tick: (() => Promise<void> | void) | undefined): Promise<void> {
  const until = Date.now() + totalMs;
  while (Date.now() < until && !signal?.aborted) {
    await sleepUnlessAborted(Math.min(1000, until - Date.now()), signal);
    if (tick) {
      try {
        await tick();
      } catch {
        /* a failed heartbeat surfaces on the next Kafka call; waiting goes on */
      }
    }
  }
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
