import { z } from 'zod';
import { capText, resultFieldLimits } from '../src/contracts/fieldLimits';
import type { SearchSource } from '../src/search/searchProvider';

export const searchSummarySchema = z.object({
  summary: z.string().min(1).describe('2–3 paragraphs, under 300 words, on what the search found.'),
});

export type SearchSummary = z.infer<typeof searchSummarySchema>;

/** A summary cut to its cap: it travels to the writer through Temporal's history. */
export function cappedSummary(summary: string): string {
  return capText(summary, resultFieldLimits.searchSummary);
}

/**
 * The sources as the result event lists them: at most `sourcesPerSearch`, titles cut to their
 * cap, and sources whose URL is longer than its cap dropped (a cut URL leads nowhere).
 */
export function cappedSources(sources: readonly SearchSource[]): { title: string; url: string }[] {
  return sources
    .filter((source) => source.url.length <= resultFieldLimits.sourceUrl)
    .slice(0, resultFieldLimits.sourcesPerSearch)
    .map((source) => ({ title: capText(source.title, resultFieldLimits.sourceTitle), url: source.url }));
}

export const searcherInstructions = [
  'You are a research assistant. You receive one search query and the reason it was chosen.',
  'Search for it (with the search tool when one is offered, or in the numbered passages given',
  'to you) and write a summary of what you found: 2–3 short paragraphs, under 300 words,',
  'dense with facts, names and numbers, without filler. Someone will combine your summary',
  'with others into a report, so capture the substance, not the style. Cite passages as [n]',
  'when passages are given.',
].join(' ');

/** The searcher's user input: the search, and the retrieved passages when search is local. */
export function searcherInput(query: string, reason: string, context: string): string {
  const passages = context ? `\n\nPassages:\n${context}` : '';
  return `Search: ${query}\nReason: ${reason}${passages}`;
}
