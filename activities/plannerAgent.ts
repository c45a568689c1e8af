import { z } from 'zod';
import { capText, resultFieldLimits } from '../src/contracts/fieldLimits';

/** A planned search: what to look for and why it helps answer the question. */
export const searchItemSchema = z.object({
  reason: z.string().min(1).describe('Why this search helps answer the question.'),
  query: z.string().min(1).describe('The search query to run.'),
});

export const researchPlanSchema = z.object({
  searches: z.array(searchItemSchema).min(1).max(20).describe('The searches to run, most useful first.'),
});

export type SearchItem = z.infer<typeof searchItemSchema>;
export type ResearchPlan = z.infer<typeof researchPlanSchema>;

/** The planned searches with query and reason cut to their caps (they end up in the result event). */
export function cappedSearches(searches: readonly SearchItem[]): SearchItem[] {
  return searches.map((search) => ({ reason: capText(search.reason, resultFieldLimits.searchReason), query: capText(search.query, resultFieldLimits.searchQuery) }));
}

export const plannerInstructions = [
  'You are a research planner. You receive a research question and decide which searches',
  'a research assistant should run to answer it well. Cover distinct angles: definitions,',
  'current state, evidence and numbers, trade-offs, and open problems. For each search give',
  'the query text and one sentence on why it matters for the question.',
].join(' ');

/** The planner's user input; asks for a fixed count when the request caps the searches. */
export function plannerInput(query: string, maxSearches: number | undefined): string {
  const count =
    maxSearches === undefined
      ? 'Return between 5 and 20 search items, as many as the question needs.'
      : `Return exactly ${maxSearches} search items.`;
  return `Research question: ${query}\n\n${count}`;
}
