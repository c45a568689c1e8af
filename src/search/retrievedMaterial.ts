import type { SearchMaterial, SearchSource } from './searchProvider';

/** One hit as a search back end returned it. */
export interface RetrievedDocument {
  readonly title: string;
  readonly url: string;
  /** The back end's excerpt of the page (Tavily's `content`, SearXNG's `content`). */
  readonly text: string;
}

/**
 * Per-block caps: five blocks (text, title, url) stay within the 2,000 tokens of material
 * activities/callAllowances.ts allows a searcher call besides the local corpus's (~3 chars a token).
 */
export const maxBlockChars = 900;
const maxTitleChars = 150;
const snippetWords = 40;

/**
 * The material for documents retrieved up front, like the local corpus's: at most
 * `maxSources` distinct urls, block `[n]` in `context` describing `sources[n - 1]`, text
 * collapsed and capped. No document: no sources, and a context that says nothing was found
 * (so the model does not answer as if it had searched).
 *
 * @example
 * ```ts
 * retrievedMaterial('SearXNG', [{ title: 'Offsets', url: 'https://kafka.example/offsets', text: 'A consumer commits…' }], 5);
 * // { tools: [], context: '[1] Offsets (https://kafka.example/offsets)\nA consumer commits…', sources: [{ title: 'Offsets', … }] }
 * ```
 */
export function retrievedMaterial(backend: string, documents: readonly RetrievedDocument[], maxSources: number): SearchMaterial {
  const chosen = distinctDocuments(documents, maxSources);
  if (chosen.length === 0) {
    return { tools: [], context: `${backend} found nothing for this search: there are no passages to cite.`, sources: [] };
  }
  return {
    tools: [],
    context: chosen.map((document, i) => `[${i + 1}] ${document.title} (${document.url})\n${document.text}`).join('\n\n'),
    sources: chosen.map(toSource),
  };
}

function distinctDocuments(documents: readonly RetrievedDocument[], maxSources: number): RetrievedDocument[] {
  const chosen: RetrievedDocument[] = [];
  const urls = new Set<string>();
  for (const document of documents) {
    if (chosen.length >= maxSources) break;
    const url = document.url.trim();
    if (!/^https?:\/\//i.test(url) || urls.has(url)) continue;
    urls.add(url);
    const title = capped(collapse(document.title), maxTitleChars) || url;
    chosen.push({ title, url, text: capped(collapse(document.text), maxBlockChars) });
  }
  return chosen;
}

function toSource(document: RetrievedDocument): SearchSource {
  const words = document.text.split(' ').filter((word) => word.length > 0);
  const snippet = words.length > snippetWords ? `${words.slice(0, snippetWords).join(' ')} …` : words.join(' ');
  return snippet ? { title: document.title, url: document.url, snippet } : { title: document.title, url: document.url };
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function capped(text: string, maxChars: number): string {
  return text.length > maxChars ? `${text.slice(0, maxChars - 2).trimEnd()} …` : text;
}
