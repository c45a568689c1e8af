import { randomUUID } from 'node:crypto';
import { matchingDocuments } from './cannedDocuments';
import { jsonReply, startSearchStandIn, type SearchReply, type SearchStandIn } from './searchStandInServer';

/** One request as the Tavily stand-in received it. */
export interface TavilyStandInCall {
  readonly method: string;
  readonly path: string;
  /** The Authorization header as sent (`Bearer <key>`); tests compare it, never print it. */
  readonly authorization: string | undefined;
  /** X-Client-Source: `tavily-js` from the official SDK. */
  readonly clientSource: string | undefined;
  /** The JSON body (snake_case, as the REST API takes it: query, max_results, search_depth, …). */
  readonly body: Record<string, unknown>;
}

/** Options for {@link startTavilyStandIn}. */
export interface TavilyStandInOptions {
  /** The only key accepted (default `tvly-stand-in-key`); any other gets Tavily's 401. */
  readonly apiKey?: string;
}

/** Tavily's default and largest `max_results`. */
const defaultMaxResults = 5;
const largestMaxResults = 20;

/** Messages in the `{ "detail": { "error": … } }` body Tavily sends with each error status. */
const errorMessages: Readonly<Record<number, string>> = {
  400: 'Bad request.',
  401: 'Unauthorized: missing or invalid API key.',
  403: 'Forbidden.',
  429: 'Your request has been blocked due to excessive requests. Please reduce the rate of requests.',
  432: 'This request exceeds your plan\'s set usage limit. Please upgrade your plan or contact support@tavily.com',
  433: 'This request exceeds the pay-as-you-go limit. You can increase your limit on the Tavily dashboard.',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * A stand-in for Tavily's REST API (`POST /search`, `Authorization: Bearer <key>`) answering
 * from a handful of canned pages, as https://docs.tavily.com/documentation/api-reference/endpoint/search
 * publishes it: `{ query, answer, images, results: [{ title, url, content, score, raw_content }],
 * response_time, request_id }`, errors as `{ detail: { error } }`. Faults: see SearchFault.
 *
 * @example
 * const tavilyApi = await startTavilyStandIn();
 * const client = tavily({ apiKey: 'tvly-stand-in-key', apiBaseURL: tavilyApi.url });
 * tavilyApi.fail({ kind: 'status', status: 429, retryAfterSeconds: 1 });
 */
export function startTavilyStandIn(options: TavilyStandInOptions = {}): Promise<SearchStandIn<TavilyStandInCall>> {
  const apiKey = options.apiKey ?? 'tvly-stand-in-key';
  return startSearchStandIn<TavilyStandInCall>((request, text) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const body = parseBody(text);
    const call: TavilyStandInCall = {
      method: request.method ?? 'GET',
      path,
      authorization: request.headers.authorization,
      clientSource: headerValue(request.headers['x-client-source']),
      body: body ?? {},
    };
    if (request.method !== 'POST' || path !== '/search') {
      return { call, reply: jsonReply(404, { detail: 'Not Found' }) };
    }
    if (call.authorization !== `Bearer ${apiKey}`) return { call, reply: errorReply(401) };
    if (body === undefined || typeof body.query !== 'string' || body.query.trim() === '') {
      return { call, reply: errorReply(400) };
    }
    const query = body.query;
    return { call, reply: jsonReply(200, searchAnswer(query, body)) };
  }, errorReply);
}

function searchAnswer(query: string, body: Record<string, unknown>): Record<string, unknown> {
  const started = performance.now();
  const requested = typeof body.max_results === 'number' ? body.max_results : defaultMaxResults;
  const limit = Math.max(0, Math.min(largestMaxResults, Math.floor(requested)));
  const results = matchingDocuments(query)
    .slice(0, limit)
    .map(({ document, score }) => ({ url: document.url, title: document.title, content: document.content, score, raw_content: null }));
  return {
    query,
    answer: null,
    images: [],
    results,
    response_time: Math.round(performance.now() - started) / 1000,
    request_id: randomUUID(),
  };
}

function errorReply(status: number): SearchReply {
  return jsonReply(status, { detail: { error: errorMessages[status] ?? `Error ${status}` } });
}

function parseBody(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
