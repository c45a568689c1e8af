import { Context } from '@temporalio/activity';
import { toActivityFailure } from './activityFailure';

/**
 * Wraps an activity so that it heart-beats while it works — that is how Temporal tells it
 * that its run was cancelled (the model call is then aborted through the cancellation
 * signal) and notices a worker that died mid-call — and so that our errors leave it as
 * Temporal failures that say whether a retry can help.
 */
export function heartbeating<A extends unknown[], R>(intervalMs: number, run: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A): Promise<R> => {
    const context = Context.current();
    const heartbeats = setInterval(() => context.heartbeat(), intervalMs);
    try {
      return await run(...args);
    } catch (error) {
      if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
      throw toActivityFailure(error);
    } finally {
      clearInterval(heartbeats);
    }
  };
}

/** The running activity's cancellation signal, handed to the model call. */
export function activityCancellation(): AbortSignal {
  return Context.current().cancellationSignal;
}
