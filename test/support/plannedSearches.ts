import { callStructured } from '../../src/llm/structuredResponse';
import { createOpenAIClient } from '../../src/llm/openaiClientFactory';
import { plannerInput, plannerInstructions, researchPlanSchema } from '../../activities/plannerAgent';

/**
 * The searches the planner will plan for a query. The stand-in answers deterministically,
 * so asking it the planner's exact question tells a test which searches a run will make
 * (to fail some of them on purpose). It does not count against the run: call it before
 * resetting the stand-in's call log.
 */
export async function plannedSearches(baseUrl: string, model: string, query: string, maxSearches?: number): Promise<string[]> {
  return (await plannedSearchItems(baseUrl, model, query, maxSearches)).map((search) => search.query);
}

/** The searches the planner will plan, with their reasons (what a budget's estimate of them reads). */
export async function plannedSearchItems(baseUrl: string, model: string, query: string, maxSearches?: number): Promise<{ query: string; reason: string }[]> {
  const client = createOpenAIClient({ baseUrl, timeoutMs: 5000, maxRetries: 0 });
  const result = await callStructured({
    client,
    agent: 'planner',
    model,
    instructions: plannerInstructions,
    input: plannerInput(query, maxSearches),
    schema: researchPlanSchema,
    schemaName: 'research_plan',
    schemaAttempts: 1,
  });
  return result.value.searches;
}
