import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResearchUsage } from '../../../src/contracts/researchUsage';
import { BudgetExceededError, checkCallBudget } from '../../../src/llm/callBudget';
import { RunBudgetGuard } from '../../../workflows/runBudget';

describe('checkCallBudget: may an agent activity make another model call?', () => {
  const perCall = { tokens: 1000, costUsd: 0.002 };

  it('lets a call through while what the activity spent plus the call’s estimate stays within its limit', () => {
    assert.doesNotThrow(() => checkCallBudget({ limit: { tokens: 2000, costUsd: 0.004 }, perCall }, { calls: 1, tokens: 1000, costUsd: 0.002 }, 'planner'));
    assert.doesNotThrow(() => checkCallBudget({ limit: { tokens: 1000 }, perCall }, { calls: 1, tokens: 0, costUsd: 99 }, 'planner'), 'a field the budget leaves out limits nothing');
  });

  it('refuses the call that would pass the limit in tokens or in dollars, naming the agent and the call’s estimate', () => {
    assert.throws(
      () => checkCallBudget({ limit: { tokens: 1999 }, perCall }, { calls: 1, tokens: 1000, costUsd: 0 }, 'writer'),
      (error: unknown) => error instanceof BudgetExceededError && error.retryable === false && error.name === 'BudgetExceededError' && /another writer call/.test(error.message) && error.stop.estimatedTokens === 1000 && error.stop.estimatedCostUsd === 0.002,
    );
    assert.throws(() => checkCallBudget({ limit: { costUsd: 0.003 }, perCall }, { calls: 2, tokens: 0, costUsd: 0.0011 }, 'searcher'), BudgetExceededError);
  });

  it('never refuses the activity’s first call, which its run admitted: not even by a micro-dollar of rounding', () => {
    // $10µ budget, $2.6µ spent, a call estimated at $7.6µ: the run rounds 2.6 + 7.6 = 10.2 → 10 ≤ 10 and
    // admits it with $7µ left (7.4 rounded); 7.6 rounds to 8 > 7.
    const guard = RunBudgetGuard.of({ maxCostUsd: 0.00001 }, undefined, undefined, true)!;
    const usage = { total: { inputTokens: 1, outputTokens: 1, estimatedCostUsd: 0.0000026 } } as ResearchUsage;
    const estimate = { tokens: 10, costUsd: 0.0000076 };
    const budget = guard.checkStage('plan', usage, estimate);
    assert.doesNotThrow(() => checkCallBudget(budget, { calls: 0, tokens: 0, costUsd: 0 }, 'planner'));
    assert.throws(() => checkCallBudget(budget, { calls: 1, tokens: 0, costUsd: 0.000001 }, 'planner'), BudgetExceededError, 'a second call is checked');
  });
});
