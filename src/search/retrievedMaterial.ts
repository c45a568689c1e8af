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
/** Longer urls are no page a reader can follow (and the common limit of browsers and servers). */
export const maxUrlChars = 2048;
const snippetWords = 40;

/**
 * The material for documents retrieved up front, like the local corpus's: at most
 * `maxSources` distinct http(s) urls, block `[n]` in `context` describing `sources[n - 1]`,
 * text collapsed, stripped of control and format characters, and capped. No document: no
 * sources, and a context that says nothing was found (so the model does not answer as if it
 * had searched).
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
    const url = webUrl(document.url);
    if (url === undefined || urls.has(url)) continue;
    urls.add(url);
    const title = plainText(document.title, maxTitleChars) || url;
    chosen.push({ title, url, text: plainText(document.text, maxBlockChars) });
  }
  return chosen;
}

/**
 * The url as the URL standard writes it (scheme and host lower-cased, whitespace and controls
 * percent-encoded), when it is an http(s) one of at most {@link maxUrlChars}; else undefined,
 * so it takes no source's place.
 */
function webUrl(raw: string): string | undefined {
  if (raw.length > maxUrlChars) return undefined;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return url.href.length > maxUrlChars ? undefined : url.href;
}

function toSource(document: RetrievedDocument): SearchSource {
  const words = document.text.split(' ').filter((word) => word.length > 0);
  const snippet = words.length > snippetWords ? `${words.slice(0, snippetWords).join(' ')} …` : words.join(' ');
  return snippet ? { title: document.title, url: document.url, snippet } : { title: document.title, url: document.url };
}

/**
 * Text fit for the model's context and a source: control and format characters (terminal
 * escapes, bidi overrides, zero-width characters) dropped, whitespace collapsed, capped. Only
 * the first 4 × maxChars are processed, so the work stays bounded whatever a back end sends.
 */
function plainText(text: string, maxChars: number): string {
  const head = text.slice(0, 4 * maxChars);
  const plain = head.replace(/(?![\t\n\v\f\r])[\p{Cc}\p{Cf}]/gu, '').replace(/\s+/g, ' ').trim();
  return plain.length > maxChars ? `${plain.slice(0, maxChars - 2).trimEnd()} …` : plain;
}
