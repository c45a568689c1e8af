import { z } from 'zod';
import type { RunBudget } from '../contracts/runBudget';
import { envInt } from './envSchema';

/** The budget ceiling's variables, part of the relay's environment schema. */
export const budgetCeilingEnvShape = {
  // What no run may pass, whatever its request asks (per field); unset: a request sets any budget.
  BUDGET_CEILING_COST_USD: z.coerce.number().positive().max(1_000_000).optional(),
  BUDGET_CEILING_TOKENS: envInt(1, 1_000_000_000_000).optional(),
};

/** The validated variables the ceiling is read from and checked against. */
export interface BudgetCeilingEnv {
  readonly BUDGET_CEILING_COST_USD?: number | undefined;
  readonly BUDGET_CEILING_TOKENS?: number | undefined;
  readonly BUDGET_MAX_COST_USD?: number | undefined;
  readonly BUDGET_MAX_TOKENS?: number | undefined;
}

/**
 * BUDGET_CEILING_COST_USD / BUDGET_CEILING_TOKENS as the worker's budget ceiling (absent when
 * neither is set).
 *
 * @example
 * budgetCeilingFrom({ BUDGET_CEILING_TOKENS: 200_000 }); // { budgetCeiling: { maxTokens: 200000 } }
 */
export function budgetCeilingFrom(e: BudgetCeilingEnv): { budgetCeiling?: RunBudget } {
  const ceiling: RunBudget = {
    ...(e.BUDGET_CEILING_COST_USD !== undefined ? { maxCostUsd: e.BUDGET_CEILING_COST_USD } : {}),
    ...(e.BUDGET_CEILING_TOKENS !== undefined ? { maxTokens: e.BUDGET_CEILING_TOKENS } : {}),
  };
  return Object.keys(ceiling).length > 0 ? { budgetCeiling: ceiling } : {};
}

/**
 * A default budget above the ceiling: every run without a budget of its own would silently get
 * less than the operator wrote, so one of the two figures is a mistake.
 *
 * @example
 * budgetCeilingProblems({ BUDGET_MAX_TOKENS: 500_000, BUDGET_CEILING_TOKENS: 200_000 });
 * // ['BUDGET_MAX_TOKENS=500000 is above BUDGET_CEILING_TOKENS=200000: …']
 */
export function budgetCeilingProblems(e: BudgetCeilingEnv): string[] {
  const pairs = [
    ['BUDGET_MAX_COST_USD', e.BUDGET_MAX_COST_USD, 'BUDGET_CEILING_COST_USD', e.BUDGET_CEILING_COST_USD],
    ['BUDGET_MAX_TOKENS', e.BUDGET_MAX_TOKENS, 'BUDGET_CEILING_TOKENS', e.BUDGET_CEILING_TOKENS],
  ] as const;
  return pairs
    .filter(([, value, , ceiling]) => value !== undefined && ceiling !== undefined && value > ceiling)
    .map(([name, value, ceilingName, ceiling]) => `${name}=${value} is above ${ceilingName}=${ceiling}: the default budget must fit under the ceiling`);
}
