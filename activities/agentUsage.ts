import type { AgentUsage } from '../src/contracts/researchUsage';
import type { PriceTable } from '../src/llm/priceTable';
import type { StructuredResult } from '../src/llm/structuredResponse';
import { addSpentUsage, type SpentUsage, type UsageMeter } from '../src/llm/usageMeter';

/**
 * One agent activity's usage for the result event: the accepted answer plus every call whose
 * answer was not used — rejected answers, abandoned calls and earlier failed attempts (the meter
 * carries them) — since the provider billed those too.
 */
export function agentUsage(agentModel: string, result: StructuredResult<unknown>, meter: UsageMeter, prices: PriceTable): AgentUsage {
  const model = result.usage.model || agentModel;
  const failed = meter.failedAttempts();
  const all = addSpentUsage(failed, { calls: 1, inputTokens: result.usage.inputTokens, outputTokens: result.usage.outputTokens, estimatedInputTokens: 0 });
  return {
    model,
    calls: all.calls,
    inputTokens: all.inputTokens,
    outputTokens: all.outputTokens,
    estimatedCostUsd: prices.costUsd(model, all.inputTokens, all.outputTokens),
    ...(failed.calls > 0 ? { failedAttempts: failed } : {}),
  };
}

/** The usage of calls that produced nothing the run used (an attempt that failed): all of it failed. */
export function failedAttemptsUsage(model: string, spent: SpentUsage, prices: PriceTable): AgentUsage {
  return { model, calls: spent.calls, inputTokens: spent.inputTokens, outputTokens: spent.outputTokens, estimatedCostUsd: prices.costUsd(model, spent.inputTokens, spent.outputTokens), failedAttempts: spent };
}
