import { markdownReport } from './markdownReport';
import {
  capitalise,
  reasonSentence,
  researchQuestion,
  researchSentence,
  researchTitle,
  searchQuery,
  searchSummary,
  shortSummary,
} from './researchProse';
import type { SeededRandom } from './seededRandom';
import type { TopicTerms } from './topicTerms';

/** What a string field is about, beyond its own name. */
export interface FieldTextContext {
  readonly terms: TopicTerms;
  /** The structured-output format name (`zodTextFormat(schema, name)`); "search" in it marks a search agent. */
  readonly formatName?: string;
}

/**
 * The text for one string field, chosen by the field's name the way a model would read it.
 * Array items use the array's name, so `followUpQuestions: string[]` gets questions.
 *
 * The order matters: `markdownReport` is a report before it is anything else, and `shortSummary`
 * is a summary even though it might contain other hints.
 *
 * @example
 * fieldText('query', { terms }, random, 0); // 'heat pumps cold climates latest research'
 */
export function fieldText(name: string, context: FieldTextContext, random: SeededRandom, index: number): string {
  const { terms } = context;
  const field = name.toLowerCase();
  if (field.includes('markdown')) return markdownReport(terms, random);
  if (/quer(y|ies)|search_?term|searchterm/.test(field)) return searchQuery(terms, random, index);
  if (/reason|rationale|justification|motivation|why/.test(field)) return reasonSentence(terms, random, index);
  if (field.includes('question')) return researchQuestion(terms, random, index);
  if (/summary|short|abstract|overview|tldr/.test(field)) {
    // "search_summary" is a searcher's answer; "research_report" is not ("research" ≠ "search").
    return /(^|[^a-z])search/.test((context.formatName ?? '').toLowerCase())
      ? searchSummary(terms, random, index)
      : shortSummary(terms, random);
  }
  if (/title|heading|headline/.test(field)) return researchTitle(terms, random, index);
  if (field.includes('report')) return markdownReport(terms, random);
  const pool = [terms.topic, ...terms.phrases, ...terms.keywords].filter((term, at, all) => all.indexOf(term) === at);
  if (/keyword|^term|tag|topic|subject/.test(field)) return pool[index % pool.length] ?? terms.topic;
  if (field.endsWith('name')) return capitalise(pool[index % pool.length] ?? terms.topic);
  return researchSentence(terms, random, index);
}
