import type { TraceSpan } from './traceSpan';

/** What one model call's span says about the call: model, agent, tokens, cost. */
export interface LlmCall {
  readonly model: string | undefined;
  /** `gen_ai.agent.name`: planner, searcher, writer. */
  readonly agent: string | undefined;
  readonly promptTokens: number | undefined;
  readonly completionTokens: number | undefined;
  readonly totalTokens: number | undefined;
  /** US dollars, as the span estimated them. */
  readonly costUsd: number | undefined;
}

/**
 * The model call a span records, or undefined when it is no LLM span (OpenInference kind LLM).
 * Reads the OpenInference attributes (`llm.token_count.*`, `llm.cost.*`) first, then the
 * OpenTelemetry GenAI ones (`gen_ai.usage.*`) and the relay's older `research_relay.llm.cost_usd`,
 * so spans of either shape add up.
 *
 * @example
 * llmCallOf(span); // { model: 'gpt-4.1', agent: 'planner', promptTokens: 812, completionTokens: 164, totalTokens: 976, costUsd: 0.002936 }
 */
export function llmCallOf(span: TraceSpan): LlmCall | undefined {
  const kind = span.attributes['openinference.span.kind'];
  if (span.kind.toUpperCase() !== 'LLM' && (typeof kind !== 'string' || kind.toUpperCase() !== 'LLM')) return undefined;
  const number = (...keys: string[]): number | undefined => firstOf(span, keys, (value) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined));
  const text = (...keys: string[]): string | undefined => firstOf(span, keys, (value) => (typeof value === 'string' && value !== '' ? value : undefined));
  const promptTokens = number('llm.token_count.prompt', 'gen_ai.usage.input_tokens');
  const completionTokens = number('llm.token_count.completion', 'gen_ai.usage.output_tokens');
  const promptCost = number('llm.cost.prompt');
  const completionCost = number('llm.cost.completion');
  return {
    model: text('llm.model_name', 'gen_ai.response.model', 'gen_ai.request.model'),
    agent: text('gen_ai.agent.name'),
    promptTokens,
    completionTokens,
    totalTokens: number('llm.token_count.total') ?? sumOf(promptTokens, completionTokens),
    costUsd: number('llm.cost.total', 'research_relay.llm.cost_usd') ?? sumOf(promptCost, completionCost),
  };
}

function firstOf<T>(span: TraceSpan, keys: readonly string[], accept: (value: unknown) => T | undefined): T | undefined {
  for (const key of keys) {
    const value = accept(span.attributes[key]);
    if (value !== undefined) return value;
  }
  return undefined;
}

function sumOf(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : a + b;
}
