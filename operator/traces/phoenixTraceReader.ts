import { z } from 'zod';
import type { PhoenixSettings } from '../../src/config/phoenixSettings';
import { PhoenixResponseError, PhoenixUnavailableError } from '../../src/errors';
import { flatAttributes, timestampUs, type TraceSpan } from './traceSpan';

/** A trace of a session, as Phoenix lists it. */
export interface SessionTrace {
  readonly traceId: string;
  readonly startTime: string;
  readonly endTime: string;
}

/**
 * Reads traces from Arize Phoenix's REST API (`/v1/projects/{project}/…`), in the project of
 * the settings. Each method answers undefined when Phoenix has no such project — nothing has
 * sent spans to it yet — and throws PhoenixUnavailableError or PhoenixResponseError otherwise.
 */
export interface PhoenixTraceReader {
  /** The traces holding spans with `session.id` = sessionId (the relay's request id), oldest first. */
  tracesOfSession(sessionId: string): Promise<SessionTrace[] | undefined>;
  /** Every span of a trace, in start order (all pages). */
  spansOfTrace(traceId: string): Promise<TraceSpan[] | undefined>;
}

export interface PhoenixTraceReaderOptions {
  /** Per HTTP request; default 10 s. */
  readonly timeoutMs?: number;
  /** Spans per page (Phoenix allows at most 1000). */
  readonly pageSize?: number;
}

const isoTime = z.string().refine((text) => {
  try {
    timestampUs(text);
    return true;
  } catch {
    return false;
  }
}, 'an ISO 8601 time');

const phoenixSpanSchema = z.object({
  name: z.string(),
  context: z.object({ trace_id: z.string(), span_id: z.string() }),
  span_kind: z.string().optional(),
  parent_id: z.string().nullish(),
  start_time: isoTime,
  end_time: isoTime,
  status_code: z.string().optional(),
  status_message: z.string().nullish(),
  attributes: z.record(z.string(), z.unknown()).nullish(),
});
const spansPageSchema = z.object({ data: z.array(phoenixSpanSchema), next_cursor: z.string().nullish() });
const tracesPageSchema = z.object({
  data: z.array(z.object({ trace_id: z.string(), start_time: z.string(), end_time: z.string() })),
  next_cursor: z.string().nullish(),
});

/**
 * A reader of the Phoenix at `settings.url`, sending `settings.apiKey` as a bearer token.
 *
 * @example
 * const reader = createPhoenixTraceReader(loadRelayConfig().phoenix);
 * const [trace] = (await reader.tracesOfSession('r-42')) ?? [];
 * const spans = trace ? await reader.spansOfTrace(trace.traceId) : undefined;
 */
export function createPhoenixTraceReader(settings: PhoenixSettings, options: PhoenixTraceReaderOptions = {}): PhoenixTraceReader {
  const get = phoenixGetter(settings, options.timeoutMs ?? 10_000);
  const project = `/v1/projects/${encodeURIComponent(settings.projectName)}`;
  return {
    async tracesOfSession(sessionId) {
      const pages = await allPages(get, `${project}/traces`, { session_identifier: sessionId, sort: 'start_time', order: 'asc', limit: '100' }, tracesPageSchema);
      return pages?.map((trace) => ({ traceId: trace.trace_id, startTime: trace.start_time, endTime: trace.end_time }));
    },
    async spansOfTrace(traceId) {
      const query = { trace_id: traceId, sort: 'start_time', order: 'asc', limit: String(options.pageSize ?? 1000) };
      return (await allPages(get, `${project}/spans`, query, spansPageSchema))?.map(traceSpanOf);
    },
  };
}

interface Page<T> {
  readonly data: T[];
  readonly next_cursor?: string | null | undefined;
}

/** GETs one page; `projectMissing` when Phoenix has no such project. */
type Getter = <T>(path: string, query: Record<string, string>, schema: z.ZodType<Page<T>>) => Promise<Page<T> | typeof projectMissing>;

const projectMissing = Symbol('project missing');

/** More pages than any trace or session has (1000 × 1000 spans). */
const maxPages = 1000;

/** Every page of a cursor-paginated list; undefined when the project does not exist. */
async function allPages<T>(get: Getter, path: string, query: Record<string, string>, schema: z.ZodType<Page<T>>): Promise<T[] | undefined> {
  const items: T[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (;;) {
    const page = await get(path, cursor === undefined ? query : { ...query, cursor }, schema);
    if (page === projectMissing) return undefined;
    items.push(...page.data);
    cursor = page.next_cursor ?? undefined;
    // A cursor seen before would page forever; so would a server handing out new ones without end.
    if (cursor === undefined || seen.has(cursor)) return items;
    if (seen.size >= maxPages) throw new PhoenixResponseError(path, 200, false, `Phoenix kept paging ${path} past ${maxPages} pages`);
    seen.add(cursor);
  }
}

/** GETs JSON from Phoenix and checks its shape; turns what can go wrong into errors that say which server and variable. */
function phoenixGetter(settings: PhoenixSettings, timeoutMs: number): Getter {
  const where = `Phoenix at ${settings.url} (PHOENIX_URL)`;
  return async (path, query, schema) => {
    const url = `${settings.url}${path}?${new URLSearchParams(query).toString()}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        headers: { accept: 'application/json', ...(settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {}) },
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Inside the try: the timeout covers the body too, and a connection can break mid-body.
      text = await response.text();
    } catch (error) {
      const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : reasonOf(error);
      throw new PhoenixUnavailableError(settings.url, `cannot reach ${where}: ${reason}`, { cause: error });
    }
    // Phoenix's 404 for an unknown project: "Project with name x not found".
    if (response.status === 404 && /project .*not found/i.test(text)) return projectMissing;
    if (!response.ok) throw httpError(settings, where, url, path, response.status, text);
    const page = schema.safeParse(jsonOrUndefined(text));
    if (!page.success) {
      throw new PhoenixResponseError(url, response.status, false, `${where} answered ${path} with something that is not its API's list (is PHOENIX_URL Phoenix's base URL?): ${z.prettifyError(page.error).replace(/\s+/g, ' ').slice(0, 200)}`);
    }
    return page.data;
  };
}

function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function httpError(settings: PhoenixSettings, where: string, url: string, path: string, status: number, body: string): PhoenixResponseError {
  if (status === 401 || status === 403) {
    const hint = settings.apiKey ? 'PHOENIX_API_KEY was not accepted' : 'this Phoenix wants an API key: set PHOENIX_API_KEY';
    return new PhoenixResponseError(url, status, false, `${where} refused ${path} (${status}): ${hint}`);
  }
  const excerpt = body.replace(/\s+/g, ' ').trim().slice(0, 200);
  return new PhoenixResponseError(url, status, status >= 500 || status === 429, `${where} answered ${path} with ${status}${excerpt ? `: ${excerpt}` : ''}`);
}

/** The useful part of a fetch failure: undici hides it in the cause (an AggregateError for several addresses). */
function reasonOf(error: unknown): string {
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  if (cause instanceof AggregateError && cause.errors.length > 0) return reasonOf(cause.errors[0]);
  if (cause instanceof Error) return cause.message || (cause as NodeJS.ErrnoException).code || cause.name;
  return String(cause);
}

function traceSpanOf(span: z.infer<typeof phoenixSpanSchema>): TraceSpan {
  return {
    traceId: span.context.trace_id,
    spanId: span.context.span_id,
    parentId: span.parent_id ?? undefined,
    name: printable(span.name),
    kind: span.span_kind ?? 'UNKNOWN',
    status: span.status_code ?? 'UNSET',
    statusMessage: printable(span.status_message ?? ''),
    startTime: span.start_time,
    endTime: span.end_time,
    startUs: timestampUs(span.start_time),
    endUs: timestampUs(span.end_time),
    attributes: flatAttributes(span.attributes ?? {}),
  };
}

/**
 * Text as a terminal may show it: control characters other than tab and newline (escape
 * sequences included) become `?`.
 * Anyone who can reach Phoenix's OTLP port can write span names, and they end up on an
 * operator's screen.
 */
function printable(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');
}
