import { tavily, type TavilyClient, type TavilySearchResponse } from '@tavily/core';
import { ConfigurationError, SearchBackendRejectedError } from '../errors';
import { maskSecrets, registerSecret } from '../logging/logger';
import { retrievedMaterial } from './retrievedMaterial';
import { errorBodyText, maxErrorBodyChars } from './errorBodyText';
import { defaultSearchTimeoutMs, failureForStatus, maxAnswerBytes, oversizedAnswer, retryAfterMs, shownEndpoint, TransientBackendFailure, untilAborted, withBackendRetries, type BackendRetryOptions } from './searchBackendCall';
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
 * 401/403 (and 400, or Tavily's quota codes 432/433) fail at once as SearchBackendRejectedError,
 * as does an answer that is not Tavily's or is larger than 4 MiB; 429, 5xx, timeouts (the whole
 * call within SEARCH_TIMEOUT_MS) and connection errors are retried here with backoff
 * (Retry-After honoured), then fail as SearchBackendUnavailableError, which Temporal retries.
 * The key never appears in an error message.
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
  // The SDK's own timeout is axios's, which a server trickling bytes never trips: this one
  // bounds the whole call, and aborts the request with it.
  const deadline = AbortSignal.timeout(timeoutMs);
  const bounded = signal ? AbortSignal.any([signal, deadline]) : deadline;
  // The SDK takes its timeout in seconds (fractions work: it multiplies by 1000 for axios).
  const { observed, result } = observingResponse(
    () => client.search(query, { maxResults, searchDepth: options.searchDepth ?? 'basic', timeout: timeoutMs / 1000 }),
    { signal: bounded, maxBodyBytes: maxAnswerBytes },
  );
  try {
    return await untilAborted(result, bounded);
  } catch (error) {
    signal?.throwIfAborted();
    if (deadline.aborted) throw timedOut(timeoutMs);
    throw tavilyFailure(error, observed, timeoutMs, options);
  }
}

/** The SDK's error as ours: by what the interceptors saw, else by the SDK's wording. */
function tavilyFailure(error: unknown, observed: ObservedResponse, timeoutMs: number, options: TavilySearchOptions): SearchBackendRejectedError | TransientBackendFailure {
  const detail = errorDetail(error instanceof Error ? error.message : String(error), options.apiKey);
  const endpoint = shownEndpoint(options.baseUrl ?? 'https://api.tavily.com');
  if (observed.tooLarge) return oversizedAnswer('tavily', observed.status, endpoint, 'TAVILY_BASE_URL');
  if (observed.status !== undefined && observed.status >= 200 && observed.status < 300) {
    // The SDK reads `results` and `images` without checking them: its TypeError means the answer had neither.
    return new SearchBackendRejectedError('tavily', observed.status, `tavily at ${endpoint} answered ${observed.status} with something that is not a Tavily answer (${detail}): is TAVILY_BASE_URL Tavily's API?`);
  }
  if (observed.status !== undefined) {
    return failureForStatus('tavily', observed.status, detail, retryAfterMs(observed.retryAfter), tavilyAdvice);
  }
  if (error instanceof Error && error.name === 'TavilyKeylessLimitError') {
    return new TransientBackendFailure(undefined, `tavily refused for now (usage cap): ${detail}`);
  }
  if (/^Request timed out after/.test(detail)) return timedOut(timeoutMs);
  return new TransientBackendFailure(undefined, `tavily could not be reached: ${detail}`);
}

function timedOut(timeoutMs: number): TransientBackendFailure {
  return new TransientBackendFailure(undefined, `tavily did not answer within ${timeoutMs} ms (SEARCH_TIMEOUT_MS)`);
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

/**
 * The SDK's message as a short line without the key: the SDK puts a whole error body into it
 * (`"<status> Error: " + JSON.stringify(body)`), which may be a proxy's page of megabytes.
 * Masked over more than errorBodyText reads; where that is cut, errorBodyText drops the edge.
 */
function errorDetail(message: string, apiKey: string): string {
  const head = message.slice(0, 2 * maxErrorBodyChars);
  return errorBodyText(withoutKey(head, apiKey), head.length === message.length);
}

function withoutKey(text: string, apiKey: string): string {
  return maskSecrets(text.split(apiKey).join('[redacted]'));
}
