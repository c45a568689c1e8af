import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadRelayConfig } from '../../../src/config/relayConfig';
import { ConfigurationError } from '../../../src/errors';

describe('the budget ceiling in the configuration', () => {
  it('gives the worker BUDGET_CEILING_COST_USD / BUDGET_CEILING_TOKENS as its ceiling, field by field (none when unset)', () => {
    assert.equal(loadRelayConfig({}).run.budgetCeiling, undefined);
    assert.deepEqual(loadRelayConfig({ BUDGET_CEILING_TOKENS: '200000' }).run.budgetCeiling, { maxTokens: 200_000 });
    assert.deepEqual(loadRelayConfig({ BUDGET_CEILING_COST_USD: '2.5', BUDGET_CEILING_TOKENS: '200000', BUDGET_MAX_TOKENS: '200000' }).run, {
      ...loadRelayConfig({}).run,
      defaultBudget: { maxTokens: 200_000 },
      budgetCeiling: { maxCostUsd: 2.5, maxTokens: 200_000 },
    });
  });

  it('refuses a default budget above the ceiling at start-up, naming both variables', () => {
    assert.throws(
      () => loadRelayConfig({ BUDGET_MAX_COST_USD: '5', BUDGET_CEILING_COST_USD: '1', BUDGET_MAX_TOKENS: '500000', BUDGET_CEILING_TOKENS: '200000' }),
      (error: unknown) =>
        error instanceof ConfigurationError &&
        /BUDGET_MAX_COST_USD=5 is above BUDGET_CEILING_COST_USD=1/.test(error.message) &&
        /BUDGET_MAX_TOKENS=500000 is above BUDGET_CEILING_TOKENS=200000/.test(error.message),
    );
  });

  it('refuses a ceiling that is not a positive figure, naming the variable', () => {
    assert.throws(() => loadRelayConfig({ BUDGET_CEILING_TOKENS: '0' }), (error: unknown) => error instanceof ConfigurationError && error.message.includes('BUDGET_CEILING_TOKENS="0"'));
    assert.throws(() => loadRelayConfig({ BUDGET_CEILING_COST_USD: 'lots' }), (error: unknown) => error instanceof ConfigurationError && error.message.includes('BUDGET_CEILING_COST_USD="lots"'));
  });
});
