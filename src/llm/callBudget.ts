import { RelayError } from '../errors';
import type { BudgetStop } from '../contracts/runBudget';

/** Tokens and estimated USD: what a call or a stage is estimated to cost, or what was spent. */
export interface Spend {
  readonly tokens: number;
  readonly costUsd: number;
}

/**
 * What one agent activity may spend on model calls in all — every try of every attempt — and
 * what its run estimates one call at. The run hands it over with a budget; the activity checks
 * it before each call after the first (the run admitted the first on the same estimate).
 */
export interface CallBudget {
  /** Only the fields the run's budget limits (JSON has no Infinity). */
  readonly limit: Partial<Spend>;
  readonly perCall: Spend;
}

/**
 * Another model call would take the activity past what its run allowed it: not retried (the
 * same call would be refused again), and the run stops with `BudgetExceededError`.
 */
export class BudgetExceededError extends RelayError {
  readonly retryable = false;

  constructor(
    message: string,
    /** The call it did not make, as estimated. */
    readonly stop: BudgetStop,
  ) {
    super(message);
  }
}

/**
 * Before a model call: throws BudgetExceededError when what the activity has spent so far plus
 * one call's estimate would pass its limit. The activity's first call (`spent.calls` 0, in all its
 * attempts) is not checked: the run admitted it on the same estimate, and checking it again here
 * could refuse it by a rounding the run's check did not make (a micro-dollar).
 *
 * @example
 * checkCallBudget({ limit: { tokens: 9000, costUsd: 0.02 }, perCall: { tokens: 5000, costUsd: 0.01 } }, { calls: 1, tokens: 4800, costUsd: 0.009 }, 'planner');
 * // throws: a second call would pass 9000 tokens
 */
export function checkCallBudget(budget: CallBudget, spent: Spend & { readonly calls: number }, agent: string): void {
  if (spent.calls === 0) return;
  const { limit, perCall } = budget;
  const tokensFit = limit.tokens === undefined || spent.tokens + perCall.tokens <= limit.tokens;
  const costFits = limit.costUsd === undefined || microDollars(spent.costUsd + perCall.costUsd) <= microDollars(limit.costUsd);
  if (tokensFit && costFits) return;
  const stop = { estimatedTokens: perCall.tokens, estimatedCostUsd: microDollars(perCall.costUsd) / 1e6 };
  throw new BudgetExceededError(
    `the run's budget would be exceeded by another ${agent} call (a retry): this step spent ${describe(spent)} ` +
      `of the ${describe(limit)} left to it, a call estimated at ${describe(perCall)}`,
    stop,
  );
}

const microDollars = (usd: number): number => Math.round(usd * 1e6);

function describe(spend: Partial<Spend>): string {
  const parts = [spend.costUsd !== undefined ? `$${microDollars(spend.costUsd) / 1e6}` : '', spend.tokens !== undefined ? `${spend.tokens} tokens` : ''];
  return parts.filter((part) => part.length > 0).join(' / ');
}
