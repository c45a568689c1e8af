import type OpenAI from 'openai';
import { z } from 'zod';
import type { StructuredRequest } from '../../src/llm/structuredRequest';

/** A planner's answer, as the callStructured tests ask for it. */
export const plannerPlan = z.object({ searches: z.array(z.object({ reason: z.string(), query: z.string() })).min(5).max(20) });

/**
 * The planner's structured call of the callStructured tests (`gpt-4.1`, three schema attempts),
 * with what a test changes on top.
 *
 * @example
 * await callStructured(plannerRequest(client, { api: 'chat-completions', maxOutputTokens: 50 }));
 */
export function plannerRequest(client: OpenAI, changes: Partial<StructuredRequest<typeof plannerPlan>> = {}): StructuredRequest<typeof plannerPlan> {
  return {
    client,
    agent: 'planner',
    model: 'gpt-4.1',
    instructions: 'You are a research planner.',
    input: 'Heat pumps in cold climates',
    schema: plannerPlan,
    schemaName: 'research_plan',
    schemaAttempts: 3,
    ...changes,
  };
}
