import { Context } from '@temporalio/activity';
import type { AgentUsage } from '../src/contracts/researchUsage';
import { BudgetExceededError } from '../src/llm/callBudget';
import type { SpentUsage, UsageMeter } from '../src/llm/usageMeter';
import { toActivityFailure } from './activityFailure';
import { attemptMeter, type SpentUsageDetails } from './attemptUsage';

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

/**
 * A heart-beating agent activity that meters its model calls. Its beats carry what it has spent
 * without a result (with what earlier attempts spent), so a retry starts from that figure; a
 * failure carries it in its details, so the workflow adds it to the run's usage.
 */
export function meteredHeartbeating<A extends unknown[], R>(
  intervalMs: number,
  price: (spent: SpentUsage) => AgentUsage,
  run: (meter: UsageMeter, ...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A): Promise<R> => {
    const context = Context.current();
    const details = (): SpentUsageDetails => ({ spentUsage: price(meter.spentWithoutResult()) });
    const beat = (): void => context.heartbeat(details());
    const meter = attemptMeter(context.info.heartbeatDetails, beat);
    const heartbeats = setInterval(beat, intervalMs);
    try {
      return await run(meter, ...args);
    } catch (error) {
      // The last beat before a failure is flushed with it: the next attempt starts from it.
      beat();
      if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
      const spent = meter.spentWithoutResult();
      const stop = error instanceof BudgetExceededError ? { budgetStop: error.stop } : {};
      throw toActivityFailure(error, spent.calls > 0 ? { ...details(), ...stop } : undefined);
    } finally {
      clearInterval(heartbeats);
    }
  };
}

/** The running activity's cancellation signal, handed to the model call. */
export function activityCancellation(): AbortSignal {
  return Context.current().cancellationSignal;
}
