import { context, propagation, ROOT_CONTEXT, trace, type Context, type TextMapGetter } from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';
import { headerText } from '../kafka/messageHeaders';

/** Reads W3C trace headers from kafkajs headers, whose values are Buffers. */
export const kafkaHeaderGetter: TextMapGetter<IHeaders | undefined> = {
  keys: (carrier) => Object.keys(carrier ?? {}),
  get: (carrier, key) => headerText(carrier, key),
};

/** The producer's trace context carried by a record (ROOT_CONTEXT when it carries none). */
export function contextFromHeaders(headers: IHeaders | undefined): Context {
  try {
    return propagation.extract(ROOT_CONTEXT, headers, kafkaHeaderGetter);
  } catch {
    return ROOT_CONTEXT; // telemetry never breaks the message path
  }
}

/** `traceparent`/`tracestate` of the active span, or undefined when no span records. */
export function activeTraceHeaders(): { traceparent: string; tracestate?: string } | undefined {
  const spanContext = trace.getSpanContext(context.active());
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const traceparent =
    carrier.traceparent ?? `00-${spanContext.traceId}-${spanContext.spanId}-${(spanContext.traceFlags & 1).toString(16).padStart(2, '0')}`;
  return { traceparent, ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}) };
}
