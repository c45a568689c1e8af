import type { RunBudget } from '../contracts/runBudget';

/**
 * How the worker runs every research run: how many searches at once, Temporal's limits for
 * one model-calling activity, the default budget and its ceiling. The worker owns them (its own
 * environment, read once at start-up: SEARCH_CONCURRENCY, LLM_ACTIVITY_TIMEOUT_MS,
 * LLM_ACTIVITY_ATTEMPTS, LLM_RETRY_INITIAL_MS, BUDGET_MAX_COST_USD, BUDGET_MAX_TOKENS,
 * BUDGET_CEILING_COST_USD, BUDGET_CEILING_TOKENS); a run
 * reads them from its worker when it begins, so whoever starts a run — the consumer, a replay,
 * a test — never decides them.
 */
export interface RunSettings {
  readonly searchConcurrency: number;
  /** Start-to-close timeout of one agent activity attempt. */
  readonly llmActivityTimeoutMs: number;
  /** Attempts of one agent activity, the first one included. */
  readonly llmActivityAttempts: number;
  /** Delay before the first retry of an agent activity (doubling after that, capped at a minute). */
  readonly llmRetryInitialMs: number;
  /** The budget of runs whose request sets none (field by field); absent: no limit. */
  readonly defaultBudget?: RunBudget;
  /**
   * What no run may pass, whatever its request asks (field by field): a larger figure runs at
   * the ceiling, and a field neither the request nor the default sets takes it. Absent: none.
   */
  readonly budgetCeiling?: RunBudget;
}
