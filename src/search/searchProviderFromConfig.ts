import path from 'node:path';
import type { SearchProviderKind } from '../config/relayConfig';
import { ConfigurationError } from '../errors';
import { createLocalCorpusSearch } from './localCorpusSearch';
import { createOpenAIWebSearch } from './openaiWebSearch';
import type { BackendRetryOptions } from './searchBackendCall';
import type { SearchProvider } from './searchProvider';
import { createSearxngSearch } from './searxngSearch';

/**
 * Absolute path of the sample corpus shipped in the repository: offline mode's corpus, and
 * elsewhere only when SEARCH_CORPUS_DIR names it (ten sample documents, not research).
 */
export const defaultCorpusDirectory = path.join(__dirname, 'sample-corpus');

/** The slice of configuration that picks a search provider. */
export interface SearchSettings {
  readonly kind: SearchProviderKind;
  /** Read only when `kind` is `'local-corpus'`. */
  readonly corpusDirectory: string;
  /** Read only when `kind` is `'tavily'`: TAVILY_API_KEY and TAVILY_BASE_URL. */
  readonly tavily?: { readonly apiKey: string; readonly baseUrl?: string | undefined };
  /** Read only when `kind` is `'searxng'`: SEARXNG_URL. */
  readonly searxngUrl?: string;
  /** SEARCH_TIMEOUT_MS, for Tavily and SearXNG (default 15 s). */
  readonly timeoutMs?: number;
  /** Retries within one gather, for Tavily and SearXNG (tests make them fast). */
  readonly retry?: BackendRetryOptions;
}

/**
 * The search provider the configuration names. A local corpus is read and indexed here,
 * so a bad corpus directory fails at start-up rather than on the first research request;
 * Tavily and SearXNG are not called until the first search.
 *
 * @example
 * ```ts
 * const provider = await createSearchProvider({ kind: 'local-corpus', corpusDirectory: defaultCorpusDirectory });
 * provider.name; // 'local-corpus'
 * ```
 */
export async function createSearchProvider(settings: SearchSettings): Promise<SearchProvider> {
  switch (settings.kind) {
    case 'openai-web-search':
      return createOpenAIWebSearch();
    case 'local-corpus':
      return createLocalCorpusSearch({ directory: settings.corpusDirectory });
    case 'tavily':
      if (!settings.tavily?.apiKey) throw missing('SEARCH_PROVIDER=tavily needs TAVILY_API_KEY (a key from app.tavily.com)', 'TAVILY_API_KEY');
      {
        // Loaded only when chosen: the SDK brings axios and a tokenizer (~100 ms, ~15 MB of heap at start-up).
        const { createTavilySearch } = await import('./tavilySearch.js');
        return createTavilySearch({ ...settings.tavily, timeoutMs: settings.timeoutMs, ...(settings.retry ? { retry: settings.retry } : {}) });
      }
    case 'searxng':
      if (!settings.searxngUrl) throw missing('SEARCH_PROVIDER=searxng needs SEARXNG_URL (the base URL of a SearXNG instance with the json format enabled)', 'SEARXNG_URL');
      return createSearxngSearch({ url: settings.searxngUrl, timeoutMs: settings.timeoutMs, ...(settings.retry ? { retry: settings.retry } : {}) });
  }
}

function missing(problem: string, variable: string): ConfigurationError {
  return new ConfigurationError(`invalid configuration:\n  ${problem}`, [variable]);
}
