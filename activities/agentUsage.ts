import type { AgentUsage } from '../src/contracts/researchUsage';
import type { PriceTable } from '../src/llm/priceTable';
import type { StructuredResult } from '../src/llm/structuredResponse';

/** One agent call's usage for the result event: the accepted answer plus the rejected ones (they cost tokens too). */
export function agentUsage(agentModel: string, result: StructuredResult<unknown>, prices: PriceTable): AgentUsage {
  const model = result.usage.model || agentModel;
  const inputTokens = result.usage.inputTokens + result.rejectedUsage.inputTokens;
  const outputTokens = result.usage.outputTokens + result.rejectedUsage.outputTokens;
  return { model, calls: 1 + result.rejectedAnswers, inputTokens, outputTokens, estimatedCostUsd: prices.costUsd(model, inputTokens, outputTokens) };
}
