import { z } from 'zod';

/**
 * The `error.type` of a run stopped by its budget (`research.failed`): the next stage, on its
 * conservative estimate, would have taken the run past its `budget`. Not retried: the same run
 * would stop at the same place.
 *
 * @example
 * if (failed.error.type === budgetExceededType) console.log('stopped before', failed.stage, 'having spent', failed.usage.total);
 */
export const budgetExceededType = 'BudgetExceededError';

/**
 * A run's spending limits: estimated USD (from the price table, as in `usage`) and tokens
 * (input + output, every billed call counted as in `usage`). Either, both or neither; a field
 * the request leaves out falls back to the service's default (BUDGET_MAX_COST_USD,
 * BUDGET_MAX_TOKENS), and no field passes the service's ceiling (BUDGET_CEILING_COST_USD,
 * BUDGET_CEILING_TOKENS): a larger figure runs at the ceiling.
 *
 * @example
 * runBudgetSchema.parse({ maxCostUsd: 0.25, maxTokens: 200_000 });
 */
export const runBudgetSchema = z.object({
  maxCostUsd: z.number().positive().max(1_000_000).optional(),
  maxTokens: z.number().int().positive().max(1_000_000_000_000).optional(),
});

/** The largest budget a request may carry, per field: what `runBudgetSchema` accepts at most. */
export const runBudgetMaxima = { maxCostUsd: runBudgetSchema.shape.maxCostUsd.unwrap().maxValue ?? Infinity, maxTokens: runBudgetSchema.shape.maxTokens.unwrap().maxValue ?? Infinity };

export type RunBudget = z.infer<typeof runBudgetSchema>;

/** What the stage a run stopped before was estimated to cost (`research.failed` of a budget stop). */
export const budgetStopSchema = z.object({
  estimatedTokens: z.number().int().min(0),
  estimatedCostUsd: z.number().min(0),
});

export type BudgetStop = z.infer<typeof budgetStopSchema>;
