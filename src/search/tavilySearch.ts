import { tavily, type TavilyClient, type TavilySearchResponse } from '@tavily/core';
import { ConfigurationError, SearchBackendRejectedError } from '../errors';
import { maskSecrets, registerSecret } from '../logging/logger';
import { retrievedMaterial } from './retrievedMaterial';
import { defaultSearchTimeoutMs, failureForStatus, retryAfterMs, TransientBackendFailure, untilAborted, withBackendRetries, type BackendRetryOptions } from './searchBackendCall';
import type { SearchMaterial, SearchProvider } from './searchProvider';
import { observingResponse, type ObservedResponse } from './tavilyResponseObserver';

/** Options for {@link createTavilySearch}. */
export interface TavilySearchOptions {
  /** TAVILY_API_KEY. Required: without one the SDK would fall back to its rate-capped keyless mode. */
  readonly apiKey: string;
  /** TAVILY_BASE_URL: a proxy or a stand-in instead of https://api.tavily.com. */
  readonly baseUrl?: string | undefined;
  /** Per request (SEARCH_TIMEOUT_MS, default 15 s). */
  readonly timeoutMs?: number | undefined;
  /** Tavily's `search_depth`: `basic` (1 credit, default) or `advanced` (2 credits). */
  readonly searchDepth?: 'basic' | 'advanced';
  readonly retry?: BackendRetryOptions;
}

/** Tavily's `max_results` range. */
const maxTavilyResults = 20;

/**
 * A provider that searches the web through Tavily's official SDK (@tavily/core), before the
 * searcher's LLM call: `[n] <title> (<url>)` blocks of each result's `content`, and the same
 * results, in order, as sources.
 *
 * 401/403 (and 400, or Tavily's quota codes 432/433) fail at once as SearchBackendRejectedError;
 * 429, 5xx, timeouts and connection errors are retried here with backoff (Retry-After honoured),
 * then fail as SearchBackendUnavailableError, which Temporal retries. The key never appears in
 * an error message.
 *
 * @example
 * ```ts
 * const provider = createTavilySearch({ apiKey: process.env.TAVILY_API_KEY! });
 * const { context, sources } = await provider.gather('kafka consumer offsets', { maxSources: 5, signal });
 * ```
 */
export function createTavilySearch(options: TavilySearchOptions): SearchProvider {
  if (!options.apiKey) {
    throw new ConfigurationError('invalid configuration:\n  SEARCH_PROVIDER=tavily needs TAVILY_API_KEY', ['TAVILY_API_KEY']);
  }
  registerSecret(options.apiKey);
  const client = tavily({ apiKey: options.apiKey, ...(options.baseUrl ? { apiBaseURL: options.baseUrl.replace(/\/+$/, '') } : {}) });
  const timeoutMs = options.timeoutMs ?? defaultSearchTimeoutMs;
  return {
    name: 'tavily',
    async gather(query, { maxSources, signal }): Promise<SearchMaterial> {
      signal?.throwIfAborted();
      if (!Number.isInteger(maxSources) || maxSources < 0) {
        throw new RangeError(`maxSources must be a non-negative integer, got ${maxSources}`);
      }
      if (maxSources === 0) return retrievedMaterial('Tavily', [], 0);
      const response = await withBackendRetries('tavily', (callSignal) => searchOnce(client, query, Math.min(maxSources, maxTavilyResults), timeoutMs, options, callSignal), {
        signal,
        retry: options.retry,
      });
      const documents = response.results.map((result) => ({ title: result.title ?? '', url: result.url ?? '', text: result.content ?? '' }));
      return retrievedMaterial('Tavily', documents, maxSources);
    },
  };
}

async function searchOnce(client: TavilyClient, query: string, maxResults: number, timeoutMs: number, options: TavilySearchOptions, signal: AbortSignal | undefined): Promise<TavilySearchResponse> {
  // The SDK takes its timeout in seconds (fractions work: it multiplies by 1000 for axios).
  const { observed, result } = observingResponse(() =>
    client.search(query, { maxResults, searchDepth: options.searchDepth ?? 'basic', timeout: timeoutMs / 1000 }),
  );
  try {
    // The SDK takes no AbortSignal: an abort ends the wait here, the request its own timeout.
    return await untilAborted(result, signal);
  } catch (error) {
    signal?.throwIfAborted();
    throw tavilyFailure(error, observed, timeoutMs, options.apiKey);
  }
}

/** The SDK's error as ours: by the status the interceptor saw, else by the SDK's wording. */
function tavilyFailure(error: unknown, observed: ObservedResponse, timeoutMs: number, apiKey: string): SearchBackendRejectedError | TransientBackendFailure {
  const detail = withoutKey(error instanceof Error ? error.message : String(error), apiKey);
  if (observed.status !== undefined) {
    return failureForStatus('tavily', observed.status, detail, retryAfterMs(observed.retryAfter), tavilyAdvice);
  }
  if (error instanceof Error && error.name === 'TavilyKeylessLimitError') {
    return new TransientBackendFailure(undefined, `tavily refused for now (usage cap): ${detail}`);
  }
  if (/^Request timed out after/.test(detail)) {
    return new TransientBackendFailure(undefined, `tavily did not answer within ${timeoutMs} ms (SEARCH_TIMEOUT_MS)`);
  }
  return new TransientBackendFailure(undefined, `tavily could not be reached: ${detail}`);
}

function tavilyAdvice(status: number): string {
  switch (status) {
    case 401:
      return 'Tavily does not accept the API key: check TAVILY_API_KEY';
    case 403:
      return 'Tavily forbids this key the request: check TAVILY_API_KEY and its plan (and TAVILY_BASE_URL, if a proxy is in between)';
    case 432:
      return "the key's plan has used up its credits: upgrade the plan or wait for its renewal";
    case 433:
      return "the key's pay-as-you-go limit is reached: raise it in Tavily's dashboard";
    default:
      return 'Tavily rejects the request itself';
  }
}

function withoutKey(text: string, apiKey: string): string {
  return maskSecrets(text.split(apiKey).join('[redacted]'));
}
