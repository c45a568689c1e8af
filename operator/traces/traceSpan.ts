/**
 * One span of a trace as the trace tools use it, whichever backend it was read from: ids,
 * name, kind, status, times in microseconds (a model call's spans can be shorter than a
 * millisecond) and the attributes under flat dotted keys (`llm.token_count.prompt`).
 */
export interface TraceSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** The parent's span id; undefined for a root span. */
  readonly parentId: string | undefined;
  readonly name: string;
  /** The OpenInference span kind (LLM, CHAIN, AGENT, …; UNKNOWN when the span names none). */
  readonly kind: string;
  /** OK, ERROR or UNSET. */
  readonly status: string;
  readonly statusMessage: string;
  /** The start and end as the backend gave them (ISO 8601). */
  readonly startTime: string;
  readonly endTime: string;
  /** Microseconds since the Unix epoch. */
  readonly startUs: number;
  readonly endUs: number;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/**
 * Microseconds since the epoch of an ISO 8601 time with up to nanosecond digits (Date.parse
 * keeps milliseconds only). A time without an offset is taken as UTC.
 *
 * @example
 * timestampUs('2026-01-02T03:04:05.123456+00:00'); // 1767323045123456
 */
export function timestampUs(text: string): number {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$/i.exec(text.trim());
  const seconds = match?.[1] ? Date.parse(`${match[1]}${match[3] ?? 'Z'}`) : Number.NaN;
  if (!match || Number.isNaN(seconds)) throw new Error(`not an ISO 8601 time: "${text}"`);
  return seconds * 1000 + Number(`${match[2] ?? ''}000000`.slice(0, 6));
}

/**
 * Attributes as flat dotted keys, whether the backend sent them flat or nested
 * (`{ llm: { token_count: { prompt: 12 } } }` → `{ 'llm.token_count.prompt': 12 }`).
 *
 * @example
 * flatAttributes({ llm: { model_name: 'gpt-4.1' }, 'session.id': 'r-1' }); // { 'llm.model_name': 'gpt-4.1', 'session.id': 'r-1' }
 */
export function flatAttributes(attributes: Readonly<Record<string, unknown>>, prefix = ''): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attributes)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) Object.assign(flat, flatAttributes(value as Record<string, unknown>, name));
    else flat[name] = value;
  }
  return flat;
}
