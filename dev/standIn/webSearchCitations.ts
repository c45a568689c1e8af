import { asciiSlug } from './formattedString';
import { capitalise, searchQuery } from './researchProse';
import type { SeededRandom } from './seededRandom';
import type { TopicTerms } from './topicTerms';

/** A page the simulated web search "found". URLs live under the reserved `.invalid` TLD. */
export interface WebSource {
  readonly url: string;
  readonly title: string;
}

/** A Responses `url_citation` annotation on output text. */
export interface UrlCitation {
  readonly type: 'url_citation';
  readonly start_index: number;
  readonly end_index: number;
  readonly title: string;
  readonly url: string;
}

/** The simulated hosted search: one query and the sources it returned. */
export interface WebSearch {
  readonly query: string;
  readonly sources: readonly WebSource[];
}

const sourceKinds = ['review', 'report', 'analysis', 'case-study', 'dataset', 'briefing'] as const;

/**
 * A deterministic search for the topic: the query a search agent would send and three to five
 * sources with stable URLs such as `https://stand-in.invalid/heat-pumps/review-3f9a2c1b`.
 */
export function simulatedWebSearch(terms: TopicTerms, random: SeededRandom): WebSearch {
  const query = searchQuery(terms, random.fork('query'));
  const pool = [...terms.phrases, ...terms.keywords];
  const count = random.int(3, 5);
  const sources = Array.from({ length: count }, (_, i): WebSource => {
    const subject = pool[i % Math.max(pool.length, 1)] ?? terms.topic;
    const kind = sourceKinds[(i + random.int(0, sourceKinds.length - 1)) % sourceKinds.length] ?? 'review';
    const tag = Array.from({ length: 8 }, () => random.int(0, 15).toString(16)).join('');
    return {
      url: `https://stand-in.invalid/${asciiSlug(subject) || 'source'}/${kind}-${tag}`,
      title: `${capitalise(subject)}: ${kind.replace('-', ' ')}`,
    };
  });
  return { query, sources };
}

/**
 * Appends a markdown citation to each paragraph, the way hosted search answers cite, and returns
 * annotations whose indexes cover exactly those citations in the joined text.
 */
export function citeParagraphs(
  paragraphs: readonly string[],
  sources: readonly WebSource[],
): { text: string; annotations: UrlCitation[] } {
  let text = '';
  const annotations: UrlCitation[] = [];
  paragraphs.forEach((paragraph, i) => {
    if (i > 0) text += '\n\n';
    text += paragraph;
    const source = sources[i % Math.max(sources.length, 1)];
    if (source === undefined) return;
    text += ' (';
    const link = `[${new URL(source.url).hostname}](${source.url})`;
    annotations.push({ type: 'url_citation', start_index: text.length, end_index: text.length + link.length, ...source });
    text += `${link})`;
  });
  return { text, annotations };
}

/**
 * Citations for a JSON answer, which cannot carry inline links without breaking the JSON: each
 * annotation covers one prose string value (not a key), cycling through the sources.
 */
export function citeJsonStrings(json: string, sources: readonly WebSource[]): UrlCitation[] {
  const annotations: UrlCitation[] = [];
  if (sources.length === 0) return annotations;
  for (const match of json.matchAll(/"(?:[^"\\]|\\.)*"/g)) {
    const start = match.index;
    const end = start + match[0].length;
    const isKey = /^\s*:/.test(json.slice(end, end + 4));
    // Short strings are enum values or names; prose is what a real model would cite.
    if (isKey || match[0].length < 24) continue;
    const source = sources[annotations.length % sources.length];
    if (source === undefined) break;
    annotations.push({ type: 'url_citation', start_index: start + 1, end_index: end - 1, ...source });
    if (annotations.length >= sources.length * 2) break;
  }
  return annotations;
}
