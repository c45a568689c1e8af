import { z } from 'zod';
import { SearchBackendRejectedError } from '../errors';
import { readCappedBody, type CappedBody } from './cappedBody';
import { errorBodyText, maxErrorBodyChars } from './errorBodyText';
import { retrievedMaterial, type RetrievedDocument } from './retrievedMaterial';
import {
  defaultSearchTimeoutMs,
  failureForStatus,
  maxAnswerBytes,
  oversizedAnswer,
  retryAfterMs,
  shownEndpoint,
  TransientBackendFailure,
  withBackendRetries,
  type BackendRetryOptions,
} from './searchBackendCall';
import type { SearchMaterial, SearchProvider } from './searchProvider';

/** Options for {@link createSearxngSearch}. */
export interface SearxngSearchOptions {
  /**
   * SEARXNG_URL: the instance's base URL, e.g. `http://searxng:8080` or `https://host/searx`;
   * user:password in it becomes Basic auth, and its query parameters (a proxy's token) go with
   * every search.
   */
  readonly url: string;
  /** Per request (SEARCH_TIMEOUT_MS, default 15 s). */
  readonly timeoutMs?: number | undefined;
  readonly retry?: BackendRetryOptions;
}

/** The fields of SearXNG's `format=json` answer this provider reads; others pass unread. */
const searxngAnswer = z.object({
  // Each entry is checked on its own: one malformed result does not cost the others.
  results: z.array(z.unknown()),
  // [engine, reason] pairs: an empty answer from engines that all failed is no answer.
  unresponsive_engines: z.array(z.array(z.unknown())).optional(),
}).loose();

const searxngResult = z.object({
  url: z.string(),
  title: z.string().nullish().catch(null),
  content: z.string().nullish().catch(null),
}).loose();

/** Where and how to ask one instance. */
interface SearxngEndpoint {
  /** `<base>/search`, with the base URL's own query parameters. */
  readonly search: URL;
  /** The base URL as messages show it: no credentials, no query string. */
  readonly shown: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * A provider that asks a self-hosted SearXNG instance (`GET /search?q=…&format=json`) before
 * the searcher's LLM call: `[n] <title> (<url>)` blocks of each result's `content`, and the
 * same results, in order, as sources.
 *
 * 403 is what an instance answers when its settings.yml does not enable the JSON format: that
 * and 401 fail at once as SearchBackendRejectedError naming the fix. 429, 5xx, timeouts,
 * connection errors and an empty answer from engines that all failed are retried here with
 * backoff, then fail as SearchBackendUnavailableError, which Temporal retries (after the
 * instance's Retry-After, if it named one). An answer that is not SearXNG's JSON, or is larger
 * than 4 MiB, is rejected at once; a malformed result in it is skipped.
 *
 * @example
 * ```ts
 * const provider = createSearxngSearch({ url: 'http://127.0.0.1:8888' });
 * const { context, sources } = await provider.gather('kafka consumer offsets', { maxSources: 5, signal });
 * ```
 */
export function createSearxngSearch(options: SearxngSearchOptions): SearchProvider {
  const endpoint = endpointOf(options.url);
  const timeoutMs = options.timeoutMs ?? defaultSearchTimeoutMs;
  return {
    name: 'searxng',
    async gather(query, { maxSources, signal }): Promise<SearchMaterial> {
      signal?.throwIfAborted();
      if (!Number.isInteger(maxSources) || maxSources < 0) {
        throw new RangeError(`maxSources must be a non-negative integer, got ${maxSources}`);
      }
      if (maxSources === 0) return retrievedMaterial('SearXNG', [], 0);
      const documents = await withBackendRetries('searxng', (callSignal) => searchOnce(endpoint, query, timeoutMs, callSignal), { signal, retry: options.retry });
      return retrievedMaterial('SearXNG', documents, maxSources);
    },
  };
}

/**
 * Where to search: the base URL without credentials (fetch refuses them), which go into an
 * Authorization header instead, and with its query string, which goes with every search.
 */
function endpointOf(url: string): SearxngEndpoint {
  const base = new URL(url);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (base.username || base.password) {
    const credentials = `${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`;
    headers.authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
    base.username = '';
    base.password = '';
  }
  // new URL('search', base) keeps the base's path but drops its query: put the query back.
  const search = new URL('search', base);
  search.search = base.search;
  return { search, shown: shownEndpoint(base), headers };
}

async function searchOnce(endpoint: SearxngEndpoint, query: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<RetrievedDocument[]> {
  const url = new URL(endpoint.search);
  url.searchParams.set('q', query);
  url.searchParams.set('format', 'json');
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let body: CappedBody;
  try {
    const response = await fetch(url, { headers: endpoint.headers, signal: combined });
    if (!response.ok) {
      // The opening of an error page says what went wrong; the rest is never downloaded.
      const { text, complete } = await readCappedBody(response, maxErrorBodyChars).catch(() => ({ text: '', complete: true }));
      throw failureForStatus('searxng', response.status, errorBodyText(text, complete), retryAfterMs(response.headers.get('retry-after')), (status) => searxngAdvice(status, endpoint.shown));
    }
    body = await readCappedBody(response, maxAnswerBytes);
  } catch (error) {
    signal?.throwIfAborted();
    if (error instanceof SearchBackendRejectedError || error instanceof TransientBackendFailure) throw error;
    // Also when the time runs out while the answer is still arriving.
    if (timeout.aborted) throw new TransientBackendFailure(undefined, `searxng at ${endpoint.shown} did not answer within ${timeoutMs} ms (SEARCH_TIMEOUT_MS)`);
    throw new TransientBackendFailure(undefined, `searxng at ${endpoint.shown} could not be reached: ${causeText(error)}`, undefined, { cause: error });
  }
  if (!body.complete) throw oversizedAnswer('searxng', 200, endpoint.shown, 'SEARXNG_URL');
  return checkedAnswer(parsedJson(body.text, endpoint.shown), endpoint.shown);
}

function parsedJson(text: string, shown: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SearchBackendRejectedError('searxng', 200, `searxng at ${shown} answered 200 without JSON: is SEARXNG_URL a SearXNG instance?`, { cause: error });
  }
}

function checkedAnswer(body: unknown, shown: string): RetrievedDocument[] {
  const parsed = searxngAnswer.safeParse(body);
  if (!parsed.success) {
    throw new SearchBackendRejectedError('searxng', 200, `searxng at ${shown} answered JSON without a results list: is SEARXNG_URL a SearXNG instance?`);
  }
  const documents = parsed.data.results.flatMap((entry) => {
    const result = searxngResult.safeParse(entry);
    return result.success ? [{ title: result.data.title ?? '', url: result.data.url, text: result.data.content ?? '' }] : [];
  });
  const unresponsive = parsed.data.unresponsive_engines ?? [];
  if (documents.length === 0 && unresponsive.length > 0) {
    const engines = unresponsive.map((pair) => pair.map(String).join(': ')).join(', ');
    throw new TransientBackendFailure(undefined, `searxng found nothing because its engines did not answer (${engines})`);
  }
  return documents;
}

function searxngAdvice(status: number, shown: string): string {
  switch (status) {
    case 403:
      return `the instance at ${shown} does not serve format=json: enable it in its settings.yml (search: formats: [html, json]) — or a proxy in front of it forbids this client`;
    case 401:
      return `the instance at ${shown} wants credentials: put them in SEARXNG_URL (https://user:password@host/)`;
    case 404:
      return `no /search at ${shown}: check SEARXNG_URL`;
    default:
      return 'SearXNG rejects the request itself';
  }
}

/** Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND…) is in its cause. */
function causeText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${(error.cause as Error & { code?: string }).code ?? error.cause.message}` : '';
  return `${error.message}${cause}`;
}
