import { context as otelContext, propagation, ROOT_CONTEXT, trace, type Context, type TextMapGetter } from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';
import { z } from 'zod';
import { headerText } from '../kafka/messageHeaders';

/**
 * The one place that reads and writes W3C trace context (https://www.w3.org/TR/trace-context/):
 * `traceparent` parsed and formatted here, `tracestate` kept within the limits the spec sets.
 * Nothing else splits these strings. Workflow code may import this module: it does no I/O
 * (new ids come from the global Web Crypto, which only non-workflow callers use).
 */

/** A request's trace as it travels: in Kafka headers, in the workflow input, in result headers. */
export interface TraceContext {
  readonly traceparent: string;
  readonly tracestate?: string;
  /** The 32-hex-digit trace id inside `traceparent`. */
  readonly traceId: string;
}

export interface ParsedTraceparent {
  readonly traceId: string;
  readonly spanId: string;
  readonly sampled: boolean;
}

/** The `sampled` bit of the trace flags. */
const sampledFlag = 0x01;
const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
/** The spec's bounds: at most 32 list members; 512 characters is what every vendor must carry. */
export const tracestateLimits = { members: 32, characters: 512, memberCharacters: 128 } as const;

/**
 * Parses a version-00 `traceparent`; undefined for anything invalid (all-zero ids included).
 *
 * @example
 * parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
 * // { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true }
 */
export function parseTraceparent(text: string | undefined): ParsedTraceparent | undefined {
  const match = traceparentPattern.exec(text?.trim().toLowerCase() ?? '');
  const [, traceId, spanId, flags] = match ?? [];
  if (!traceId || !spanId || !flags || /^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & sampledFlag) === sampledFlag };
}

export function formatTraceparent(parts: ParsedTraceparent): string {
  return `00-${parts.traceId}-${parts.spanId}-${parts.sampled ? '01' : '00'}`;
}

/**
 * Bounds a `tracestate` as the spec asks of a vendor that must shorten one: members longer
 * than 128 characters go first, then members from the end, until at most 32 members and
 * 512 characters remain. Undefined when nothing valid is left.
 */
export function boundTracestate(text: string | undefined): string | undefined {
  if (!text) return undefined;
  let members = text.split(',').map((member) => member.trim()).filter((member) => /^[^=\s]+=[^,]*$/.test(member));
  const length = (list: string[]): number => list.join(',').length;
  if (members.length > tracestateLimits.members || length(members) > tracestateLimits.characters) {
    members = members.filter((member) => member.length <= tracestateLimits.memberCharacters);
  }
  members = members.slice(0, tracestateLimits.members);
  while (members.length > 0 && length(members) > tracestateLimits.characters) members.pop();
  return members.length > 0 ? members.join(',') : undefined;
}

/** A valid trace context from its two strings, or undefined when `traceparent` is not valid. */
export function traceContextOf(traceparent: string | undefined, tracestate?: string): TraceContext | undefined {
  const parsed = parseTraceparent(traceparent);
  if (!parsed) return undefined;
  const bounded = boundTracestate(tracestate);
  return { traceparent: formatTraceparent(parsed), traceId: parsed.traceId, ...(bounded ? { tracestate: bounded } : {}) };
}

/**
 * A fresh, sampled trace (where no tracing SDK provides one).
 *
 * @example
 * const trace = newTraceContext();
 * await client.request({ query, traceparent: trace.traceparent });
 */
export function newTraceContext(): TraceContext {
  const traceId = randomHex(16);
  return { traceparent: formatTraceparent({ traceId, spanId: randomHex(8), sampled: true }), traceId };
}

/** The two headers of a trace context, to copy into a record or a result event. */
export function traceHeaders(trace: Pick<TraceContext, 'traceparent' | 'tracestate'>): Record<string, string> {
  return { traceparent: trace.traceparent, ...(trace.tracestate ? { tracestate: trace.tracestate } : {}) };
}

/** Validates a trace context at an edge (the workflow input). */
export const traceContextSchema = z
  .object({ traceparent: z.string(), tracestate: z.string().optional(), traceId: z.string().optional() })
  .transform((value, ctx) => {
    const parsed = traceContextOf(value.traceparent, value.tracestate);
    if (!parsed) ctx.addIssue({ code: 'custom', message: 'traceparent is not a valid W3C version-00 traceparent' });
    return parsed ?? z.NEVER;
  });

/** Reads W3C trace headers from kafkajs headers, whose values are Buffers. */
export const kafkaHeaderGetter: TextMapGetter<IHeaders | undefined> = {
  keys: (carrier) => Object.keys(carrier ?? {}),
  get: (carrier, key) => headerText(carrier, key),
};

/** The trace context a Kafka record carries, or undefined when it carries no valid one. */
export function traceContextFromHeaders(headers: IHeaders | undefined): TraceContext | undefined {
  return traceContextOf(headerText(headers, 'traceparent'), headerText(headers, 'tracestate'));
}

/** The producer's OpenTelemetry context carried by a record (ROOT_CONTEXT when it carries none). */
export function otelContextFromHeaders(headers: IHeaders | undefined): Context {
  try {
    return propagation.extract(ROOT_CONTEXT, headers, kafkaHeaderGetter);
  } catch {
    return ROOT_CONTEXT; // telemetry never breaks the message path
  }
}

/** The OpenTelemetry context of a trace context (ROOT_CONTEXT for undefined). */
export function otelContextOf(trace: Pick<TraceContext, 'traceparent' | 'tracestate'> | undefined): Context {
  return trace ? propagation.extract(ROOT_CONTEXT, traceHeaders(trace)) : ROOT_CONTEXT;
}

/** The active span's trace context, or undefined when no span records. */
export function activeTraceContext(): TraceContext | undefined {
  const spanContext = trace.getSpanContext(otelContext.active());
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(otelContext.active(), carrier);
  const sampled = (spanContext.traceFlags & sampledFlag) === sampledFlag;
  return traceContextOf(carrier.traceparent ?? formatTraceparent({ traceId: spanContext.traceId, spanId: spanContext.spanId, sampled }), carrier.tracestate);
}


function randomHex(bytes: number): string {
  const buffer = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(buffer);
  // An all-zero id is invalid; the odds are 2^-64 at worst, but the spec forbids it outright.
  if (buffer.every((byte) => byte === 0)) buffer[0] = 1;
  return Array.from(buffer, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
