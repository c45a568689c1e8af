import { z } from 'zod';
import { SearchBackendRejectedError } from '../errors';
import { retrievedMaterial } from './retrievedMaterial';
import { defaultSearchTimeoutMs, failureForStatus, retryAfterMs, TransientBackendFailure, withBackendRetries, type BackendRetryOptions } from './searchBackendCall';
import type { SearchMaterial, SearchProvider } from './searchProvider';

/** Options for {@link createSearxngSearch}. */
export interface SearxngSearchOptions {
  /** SEARXNG_URL: the instance's base URL, e.g. `http://searxng:8080` or `https://host/searx`; user:password in it becomes Basic auth. */
  readonly url: string;
  /** Per request (SEARCH_TIMEOUT_MS, default 15 s). */
  readonly timeoutMs?: number | undefined;
  readonly retry?: BackendRetryOptions;
}

/** The fields of SearXNG's `format=json` answer this provider reads; others pass unread. */
const searxngAnswer = z.object({
  results: z.array(z.object({ url: z.string(), title: z.string().nullish(), content: z.string().nullish() }).loose()),
  // [engine, reason] pairs: an empty answer from engines that all failed is no answer.
  unresponsive_engines: z.array(z.array(z.unknown())).optional(),
}).loose();

/**
 * A provider that asks a self-hosted SearXNG instance (`GET /search?q=…&format=json`) before
 * the searcher's LLM call: `[n] <title> (<url>)` blocks of each result's `content`, and the
 * same results, in order, as sources.
 *
 * 403 is what an instance answers when its settings.yml does not enable the JSON format: that
 * and 401 fail at once as SearchBackendRejectedError naming the fix. 429, 5xx, timeouts,
 * connection errors and an empty answer from engines that all failed are retried here with
 * backoff, then fail as SearchBackendUnavailableError, which Temporal retries.
 *
 * @example
 * ```ts
 * const provider = createSearxngSearch({ url: 'http://127.0.0.1:8888' });
 * const { context, sources } = await provider.gather('kafka consumer offsets', { maxSources: 5, signal });
 * ```
 */
export function createSearxngSearch(options: SearxngSearchOptions): SearchProvider {
  const { base, headers } = endpointOf(options.url);
  const timeoutMs = options.timeoutMs ?? defaultSearchTimeoutMs;
  return {
    name: 'searxng',
    async gather(query, { maxSources, signal }): Promise<SearchMaterial> {
      signal?.throwIfAborted();
      if (!Number.isInteger(maxSources) || maxSources < 0) {
        throw new RangeError(`maxSources must be a non-negative integer, got ${maxSources}`);
      }
      if (maxSources === 0) return retrievedMaterial('SearXNG', [], 0);
      const answer = await withBackendRetries('searxng', (callSignal) => searchOnce(base, headers, query, timeoutMs, callSignal), { signal, retry: options.retry });
      const documents = answer.results.map((result) => ({ title: result.title ?? '', url: result.url, text: result.content ?? '' }));
      return retrievedMaterial('SearXNG', documents, maxSources);
    },
  };
}

/** The base URL without credentials (fetch refuses them), which go into an Authorization header instead. */
function endpointOf(url: string): { base: URL; headers: Record<string, string> } {
  const base = new URL(url.endsWith('/') ? url : `${url}/`);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (base.username || base.password) {
    const credentials = `${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`;
    headers.authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
    base.username = '';
    base.password = '';
  }
  return { base, headers };
}

async function searchOnce(base: URL, headers: Record<string, string>, query: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<z.infer<typeof searxngAnswer>> {
  const url = new URL('search', base);
  url.searchParams.set('q', query);
  url.searchParams.set('format', 'json');
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let body: unknown;
  try {
    const response = await fetch(url, { headers, signal: combined });
    if (!response.ok) {
      const detail = plainText(await response.text().catch(() => ''));
      throw failureForStatus('searxng', response.status, detail, retryAfterMs(response.headers.get('retry-after')), (status) => searxngAdvice(status, base));
    }
    body = await response.json().catch((error: unknown) => {
      throw new SearchBackendRejectedError('searxng', response.status, `searxng at ${base.href} answered ${response.status} without JSON: is SEARXNG_URL a SearXNG instance?`, { cause: error });
    });
  } catch (error) {
    signal?.throwIfAborted();
    if (error instanceof SearchBackendRejectedError || error instanceof TransientBackendFailure) throw error;
    if (timeout.aborted) throw new TransientBackendFailure(undefined, `searxng at ${base.href} did not answer within ${timeoutMs} ms (SEARCH_TIMEOUT_MS)`);
    throw new TransientBackendFailure(undefined, `searxng at ${base.href} could not be reached: ${causeText(error)}`, undefined, { cause: error });
  }
  return checkedAnswer(body, base);
}

function checkedAnswer(body: unknown, base: URL): z.infer<typeof searxngAnswer> {
  const parsed = searxngAnswer.safeParse(body);
  if (!parsed.success) {
    throw new SearchBackendRejectedError('searxng', 200, `searxng at ${base.href} answered JSON without a results list: is SEARXNG_URL a SearXNG instance?`);
  }
  const unresponsive = parsed.data.unresponsive_engines ?? [];
  if (parsed.data.results.length === 0 && unresponsive.length > 0) {
    const engines = unresponsive.map((pair) => pair.map(String).join(': ')).join(', ');
    throw new TransientBackendFailure(undefined, `searxng found nothing because its engines did not answer (${engines})`);
  }
  return parsed.data;
}

function searxngAdvice(status: number, base: URL): string {
  switch (status) {
    case 403:
      return `the instance at ${base.href} does not serve format=json: enable it in its settings.yml (search: formats: [html, json]) — or a proxy in front of it forbids this client`;
    case 401:
      return `the instance at ${base.href} wants credentials: put them in SEARXNG_URL (https://user:password@host/)`;
    case 404:
      return `no /search at ${base.href}: check SEARXNG_URL`;
    default:
      return 'SearXNG rejects the request itself';
  }
}

/** An error body as a short line: SearXNG and proxies answer errors in HTML. */
function plainText(body: string): string {
  return body.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND…) is in its cause. */
function causeText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${(error.cause as Error & { code?: string }).code ?? error.cause.message}` : '';
  return `${error.message}${cause}`;
}
