import type { RunBudget } from '../src/contracts/runBudget';

const budgetFields = ['maxCostUsd', 'maxTokens'] as const;

/**
 * The request's budget and the worker's default, held under the worker's ceiling field by
 * field: a figure above it becomes the ceiling, and the default takes the ceiling where it sets
 * nothing, so no run goes unbounded in a field the ceiling bounds. Without a ceiling (every run
 * whose recorded settings predate it) both come back as they were, so those runs replay unchanged.
 *
 * @example
 * underCeiling({ maxTokens: 1_000_000 }, undefined, { maxTokens: 200_000 });
 * // { requested: { maxTokens: 200000 }, fallback: { maxTokens: 200000 } }
 */
export function underCeiling(requested: RunBudget | undefined, fallback: RunBudget | undefined, ceiling: RunBudget | undefined): { requested: RunBudget | undefined; fallback: RunBudget | undefined } {
  if (!ceiling) return { requested, fallback };
  return { requested: capped(requested, ceiling, false), fallback: capped(fallback, ceiling, true) };
}

/** Each field of `budget` at most the ceiling's; with `fill`, the ceiling's where `budget` has none. */
function capped(budget: RunBudget | undefined, ceiling: RunBudget, fill: boolean): RunBudget | undefined {
  const result: { maxCostUsd?: number; maxTokens?: number } = {};
  for (const field of budgetFields) {
    const own = budget?.[field] ?? (fill ? ceiling[field] : undefined);
    const limit = ceiling[field];
    if (own !== undefined) result[field] = limit !== undefined ? Math.min(own, limit) : own;
  }
  return Object.keys(result).length > 0 ? result : undefined;
}
