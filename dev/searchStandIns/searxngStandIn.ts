import { matchingDocuments } from './cannedDocuments';
import { jsonReply, startSearchStandIn, type SearchReply, type SearchStandIn } from './searchStandInServer';

/** One request as the SearXNG stand-in received it. */
export interface SearxngStandInCall {
  readonly method: string;
  readonly path: string;
  /** The query parameters (q, format, and any others the client sent). */
  readonly params: Readonly<Record<string, string>>;
  readonly authorization: string | undefined;
}

/** Options for {@link startSearxngStandIn}. */
export interface SearxngStandInOptions {
  /** False: the instance's settings.yml leaves `json` out of `search.formats`, so format=json gets 403 (default true). */
  readonly jsonFormat?: boolean;
  /** Engines that "failed" on every search: results stay empty and `unresponsive_engines` lists them. */
  readonly unresponsiveEngines?: readonly (readonly [string, string])[];
}

const engines = ['duckduckgo', 'wikipedia', 'brave'];

/**
 * A stand-in for a SearXNG instance's search API (`GET /search?q=…&format=json`), answering
 * from a handful of canned pages with the fields SearXNG's JSON output has:
 * `{ query, number_of_results, results: [{ url, title, content, engine, engines, score, category, … }],
 * answers, corrections, infoboxes, suggestions, unresponsive_engines }`. Like a real instance,
 * it answers 403 Forbidden (HTML) to format=json when the JSON format is not enabled.
 *
 * @example
 * const searxng = await startSearxngStandIn({ jsonFormat: false });
 * await fetch(`${searxng.url}/search?q=kafka&format=json`); // 403
 */
export function startSearxngStandIn(options: SearxngStandInOptions = {}): Promise<SearchStandIn<SearxngStandInCall>> {
  return startSearchStandIn<SearxngStandInCall>((request) => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const call: SearxngStandInCall = {
      method: request.method ?? 'GET',
      path: url.pathname,
      params: Object.fromEntries(url.searchParams),
      authorization: request.headers.authorization,
    };
    if (url.pathname !== '/search' || (request.method !== 'GET' && request.method !== 'POST')) {
      return { call, reply: htmlReply(404, 'Not Found') };
    }
    const format = url.searchParams.get('format') ?? 'html';
    if (format !== 'html' && !(format === 'json' && options.jsonFormat !== false)) {
      return { call, reply: htmlReply(403, 'Forbidden') };
    }
    const query = url.searchParams.get('q') ?? '';
    if (format === 'html') return { call, reply: htmlReply(200, `results for ${query}`) };
    return { call, reply: jsonReply(200, searchAnswer(query, options)) };
  }, (status) => htmlReply(status, status === 429 ? 'Too Many Requests' : 'Error'));
}

function searchAnswer(query: string, options: SearxngStandInOptions): Record<string, unknown> {
  const unresponsive = options.unresponsiveEngines ?? [];
  const results = unresponsive.length > 0
    ? []
    : matchingDocuments(query).map(({ document, score }, i) => {
        const engine = engines[i % engines.length] ?? 'duckduckgo';
        return {
          url: document.url,
          title: document.title,
          content: document.content,
          engine,
          engines: [engine],
          positions: [i + 1],
          score: score * 2,
          category: 'general',
          template: 'default.html',
          parsed_url: parsedUrl(document.url),
          img_src: '',
          thumbnail: '',
          priority: '',
          publishedDate: null,
        };
      });
  return {
    query,
    number_of_results: 0,
    results,
    answers: [],
    corrections: [],
    infoboxes: [],
    suggestions: [],
    unresponsive_engines: unresponsive.map(([engine, reason]) => [engine, reason]),
  };
}

/** Python's urlparse tuple, as SearXNG serialises it: scheme, netloc, path, params, query, fragment. */
function parsedUrl(url: string): string[] {
  const parsed = new URL(url);
  return [parsed.protocol.replace(':', ''), parsed.host, parsed.pathname, '', parsed.search.replace('?', ''), parsed.hash.replace('#', '')];
}

function htmlReply(status: number, text: string): SearchReply {
  return { status, contentType: 'text/html; charset=utf-8', body: `<!DOCTYPE html><html><head><title>${status} ${text}</title></head><body><h1>${text}</h1></body></html>` };
}
