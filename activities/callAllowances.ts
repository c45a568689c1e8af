import { zodTextFormat } from 'openai/helpers/zod';
import type { z } from 'zod';
import type { PriceTable } from '../src/llm/priceTable';
import type { SearchProvider } from '../src/search/searchProvider';
import { plannerInput, plannerInstructions, researchPlanSchema } from './plannerAgent';
import { searcherInput, searcherInstructions, searchSummarySchema } from './searcherAgent';
import { researchReportDraftSchema, writerInput, writerInstructions } from './writerAgent';

/**
 * What a run allows for one call of an agent when it checks its budget, before the call: the
 * prompt it knows of (instructions, the output schema, the input's framing — and for a
 * searcher the material its search provider adds), the output it may write, and the model's
 * prices. The workflow adds the variable part of the input (the question, a search, the
 * findings) at `charsPerToken`.
 */
export interface CallAllowance {
  readonly model: string;
  /** USD per input and per output token (0 for a model without a price: only maxTokens limits it). */
  readonly inputUsdPerToken: number;
  readonly outputUsdPerToken: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
}

export interface CallAllowances {
  readonly planner: CallAllowance;
  readonly searcher: CallAllowance;
  readonly writer: CallAllowance;
  /** Characters per token for the input the workflow adds (conservative: fewer than the usual four). */
  readonly charsPerToken: number;
  /**
   * Model calls one agent activity may make at most (answers accepted per attempt × attempts);
   * absent in runs recorded before it existed: the run counts one.
   */
  readonly callsPerActivity?: number;
}

/**
 * Conservative, not typical: 3 characters a token where English averages 4, and output
 * allowances about twice what the agents are asked to write — a plan of up to 20 searches
 * (~100 tokens each), a summary "under 300 words", a report "of at least 1,000 words". A call
 * with a budget asks the model for at most its output allowance (`max_output_tokens`), so no
 * answer outgrows its estimate.
 */
const charsPerToken = 3;
export const outputTokenAllowances = { planner: 2000, searcher: 1000, writer: 6000 } as const;
const outputTokens = outputTokenAllowances;
/**
 * The material a searcher's call carries besides its prompt: OpenAI bills a web search's
 * content as (for the mini models) a block of 8,000 input tokens; the local corpus hands over
 * at most 5 passages of up to 180 words (~1,200 tokens), allowed for as 2,000.
 */
const materialTokens = (provider: string): number => (provider === 'openai-web-search' ? 8000 : 2000);

/**
 * The allowances of the worker's agents, for the budget checks of every run it carries out
 * (handed to the run with its settings, so replay sees the same figures).
 *
 * @example
 * const allowances = callAllowances({ planner: 'gpt-4.1', searcher: 'gpt-4.1-mini', writer: 'gpt-4.1' }, PriceTable.fromEnv(), provider, 8);
 */
export function callAllowances(models: { readonly planner: string; readonly searcher: string; readonly writer: string }, prices: PriceTable, searchProvider: Pick<SearchProvider, 'name'>, callsPerActivity = 1): CallAllowances {
  const allowance = (model: string, fixedPrompt: string[], output: number, extraPromptTokens = 0): CallAllowance => {
    const price = prices.priceOf(model);
    return {
      model,
      inputUsdPerToken: (price?.input ?? 0) / 1_000_000,
      outputUsdPerToken: (price?.output ?? 0) / 1_000_000,
      promptTokens: Math.ceil(fixedPrompt.reduce((sum, text) => sum + text.length, 0) / charsPerToken) + extraPromptTokens,
      outputTokens: output,
    };
  };
  const searcherPrompt = [searcherInstructions, searcherInput('', '', ''), schemaText(searchSummarySchema, 'search_summary')];
  return {
    planner: allowance(models.planner, [plannerInstructions, plannerInput('', 20), schemaText(researchPlanSchema, 'research_plan')], outputTokens.planner),
    searcher: allowance(models.searcher, searcherPrompt, outputTokens.searcher, materialTokens(searchProvider.name)),
    writer: allowance(models.writer, [writerInstructions, writerInput('', []), schemaText(researchReportDraftSchema, 'research_report')], outputTokens.writer),
    charsPerToken,
    callsPerActivity,
  };
}

function schemaText(schema: z.ZodType, name: string): string {
  const format = zodTextFormat(schema, name);
  return format.name + JSON.stringify(format.schema);
}
