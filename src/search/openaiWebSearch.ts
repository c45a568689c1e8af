import type { ResponseOutputItem } from 'openai/resources/responses/responses';
import type { SearchMaterial, SearchProvider, SearchSource } from './searchProvider';

/**
 * A provider that lets the model search the web itself through the Responses API's hosted
 * `web_search` tool. Nothing is retrieved up front, so `context` and `sources` are empty;
 * read the sources off the response with {@link sourcesFromAnnotations}.
 *
 * @example
 * ```ts
 * const provider = createOpenAIWebSearch();
 * const { tools } = await provider.gather('kafka consumer offsets', { maxSources: 5 });
 * const response = await openai.responses.create({ model, input, tools, include: ['web_search_call.action.sources'] });
 * const sources = sourcesFromAnnotations(response.output).slice(0, 5);
 * ```
 */
export function createOpenAIWebSearch(): SearchProvider {
  return {
    name: 'openai-web-search',
    gather(_query, { signal }): Promise<SearchMaterial> {
      // The hosted tool takes no per-call limit on sources, so maxSources is applied by
      // the caller when it trims the sources read back from the response.
      return Promise.resolve().then(() => {
        signal?.throwIfAborted();
        return { tools: [{ type: 'web_search' }], context: '', sources: [] };
      });
    },
  };
}

/**
 * The web sources behind a Responses API answer, deduplicated, cited ones first.
 *
 * Reads `url_citation` annotations on `output_text` parts (these have titles and are what the
 * answer actually cites), then `web_search_call.action.sources` (present only when the request
 * asked for `include: ['web_search_call.action.sources']`; these carry a url but no title,
 * so the url doubles as the title).
 *
 * URLs are compared without the `utm_*` parameters and the fragment, because the API appends
 * `?utm_source=openai` to citation urls but not to the search call's sources, and the same
 * page would otherwise be listed twice. The first spelling seen is the one returned.
 *
 * @example
 * ```ts
 * const response = await openai.responses.create({
 *   model, input, tools: [{ type: 'web_search' }], include: ['web_search_call.action.sources'],
 * });
 * sourcesFromAnnotations(response.output);
 * // [{ title: 'Consumer offsets', url: 'https://example.org/offsets?utm_source=openai' }, ...]
 * ```
 */
export function sourcesFromAnnotations(output: readonly ResponseOutputItem[]): SearchSource[] {
  const byKey = new Map<string, SearchSource>();
  const add = (source: SearchSource): void => {
    const key = comparableUrl(source.url);
    if (!byKey.has(key)) {
      byKey.set(key, source);
    }
  };

  for (const item of output) {
    if (item.type !== 'message') continue;
    for (const part of item.content) {
      if (part.type !== 'output_text') continue;
      for (const annotation of part.annotations) {
        if (annotation.type !== 'url_citation') continue;
        add({ title: annotation.title.trim() || annotation.url, url: annotation.url });
      }
    }
  }

  for (const item of output) {
    if (item.type !== 'web_search_call') continue;
    for (const url of consultedUrls(item.action)) add({ title: url, url });
  }

  return [...byKey.values()];
}

/** The pages a web search call consulted: its search's sources (when included), or the page it opened or searched in. */
function consultedUrls(action: Extract<ResponseOutputItem, { type: 'web_search_call' }>['action']): string[] {
  if (action.type === 'search') return (action.sources ?? []).map((source) => source.url);
  return 'url' in action && typeof action.url === 'string' ? [action.url] : [];
}

/** The url as a dedupe key: tracking parameters and fragment removed; unparsable urls compare as written. */
function comparableUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (name.toLowerCase().startsWith('utm_')) {
      parsed.searchParams.delete(name);
    }
  }
  parsed.hash = '';
  return parsed.href;
}
