import type { Logger } from '../logging/logger';
import { sleepUnlessAborted } from '../retry/backoff';
import type { ResultEvent } from './resultEvent';
import type { SubscribeOptions } from './resultSubscription';
import type { ProgressUpdate, RunEvent } from './runEvent';

export interface WaitForResultOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** The Temporal run whose result is wanted. */
  readonly runId?: string;
  /** A rerun epoch (`replay --mode rerun`); default: the live request's runs only. */
  readonly epoch?: number;
  /**
   * Called with each progress event of the awaited run(s) that arrives before the result (best
   * effort: steps may be missing, and the last, `published`, follows the result on another
   * topic — end a progress display from the result itself). An error the callback throws is
   * logged, never thrown into the wait.
   */
  readonly onProgress?: (progress: ProgressUpdate['event']) => void;
}

/** Reads the run topics from the beginning, from the caller's subscription. */
export type RunEventSource = (options: SubscribeOptions) => AsyncIterableIterator<RunEvent>;

/**
 * The first result of the request (of run `runId`, else of its live runs unless `epoch` names a
 * rerun), handing its progress to `onProgress` on the way.
 */
export async function waitForResult(subscribe: RunEventSource, requestId: string, options: WaitForResultOptions, logger: Logger): Promise<ResultEvent> {
  const abort = new AbortController();
  const timeoutMs = options.timeoutMs ?? 600_000;
  options.signal?.addEventListener('abort', () => abort.abort(), { once: true });
  const timer = sleepUnlessAborted(timeoutMs, abort.signal).then(() => abort.abort());
  try {
    const match = { ...(options.runId !== undefined ? { runId: options.runId } : {}), epoch: options.epoch ?? ('live' as const) };
    const { onProgress } = options;
    for await (const update of subscribe({ requestId, fromBeginning: true, signal: abort.signal, progress: onProgress !== undefined, ...match })) {
      if (update.kind !== 'progress') return update;
      handOver(onProgress, update.event, logger);
    }
    throw new Error(options.signal?.aborted ? `waiting for ${requestId} was cancelled` : `no result for ${requestId} within ${timeoutMs / 1000}s`);
  } finally {
    abort.abort();
    await timer;
  }
}

function handOver(onProgress: WaitForResultOptions['onProgress'], progress: ProgressUpdate['event'], logger: Logger): void {
  try {
    onProgress?.(progress);
  } catch (error) {
    logger.warn('an onProgress callback failed', { requestId: progress.requestId, error });
  }
}
