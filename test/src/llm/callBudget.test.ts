import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BudgetExceededError, checkCallBudget } from '../../../src/llm/callBudget';

describe('checkCallBudget: may an agent activity make another model call?', () => {
  const perCall = { tokens: 1000, costUsd: 0.002 };

  it('lets a call through while what the activity spent plus the call’s estimate stays within its limit', () => {
    assert.doesNotThrow(() => checkCallBudget({ limit: { tokens: 2000, costUsd: 0.004 }, perCall }, { tokens: 1000, costUsd: 0.002 }, 'planner'));
    assert.doesNotThrow(() => checkCallBudget({ limit: { tokens: 1000 }, perCall }, { tokens: 0, costUsd: 99 }, 'planner'), 'a field the budget leaves out limits nothing');
  });

  it('refuses the call that would pass the limit in tokens or in dollars, naming the agent and the call’s estimate', () => {
    assert.throws(
      () => checkCallBudget({ limit: { tokens: 1999 }, perCall }, { tokens: 1000, costUsd: 0 }, 'writer'),
      (error: unknown) => error instanceof BudgetExceededError && error.retryable === false && error.name === 'BudgetExceededError' && /another writer call/.test(error.message) && error.stop.estimatedTokens === 1000 && error.stop.estimatedCostUsd === 0.002,
    );
    assert.throws(() => checkCallBudget({ limit: { costUsd: 0.003 }, perCall }, { tokens: 0, costUsd: 0.0011 }, 'searcher'), BudgetExceededError);
  });
});
