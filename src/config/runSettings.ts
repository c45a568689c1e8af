/**
 * How the worker runs every research run: how many searches at once, and Temporal's limits
 * for one model-calling activity. The worker owns them (its own environment, read once at
 * start-up: SEARCH_CONCURRENCY, LLM_ACTIVITY_TIMEOUT_MS, LLM_ACTIVITY_ATTEMPTS,
 * LLM_RETRY_INITIAL_MS); a run reads them from its worker when it begins, so whoever starts
 * a run — the consumer, a replay, a test — never decides them.
 */
export interface RunSettings {
  readonly searchConcurrency: number;
  /** Start-to-close timeout of one agent activity attempt. */
  readonly llmActivityTimeoutMs: number;
  /** Attempts of one agent activity, the first one included. */
  readonly llmActivityAttempts: number;
  /** Delay before the first retry of an agent activity (doubling after that, capped at a minute). */
  readonly llmRetryInitialMs: number;
}
