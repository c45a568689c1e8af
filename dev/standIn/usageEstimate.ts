import type { ModelCall } from './modelCall';

/** Token counts as the stand-in reports them (and records them for tests to compare). */
export interface UsageEstimate {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/**
 * Roughly four characters per token, rounded up: the rule of thumb OpenAI documents for English.
 * Exact tokenisation does not matter for a test double; being deterministic and proportional to
 * the text does, so cost and budget code sees realistic, repeatable numbers.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * Usage for one call: the input side counts instructions, input and the JSON schema (a real model
 * is billed for the schema too), the output side counts the returned text.
 *
 * @example
 * usageEstimate(call, outputText); // { inputTokens: 212, outputTokens: 1630 }
 */
export function usageEstimate(call: ModelCall, outputText: string): UsageEstimate {
  const schemaText = call.format.kind === 'json_schema' ? call.format.name + JSON.stringify(call.format.schema) : '';
  return {
    inputTokens: estimateTokens(call.instructions + call.input + schemaText),
    outputTokens: estimateTokens(outputText),
  };
}
