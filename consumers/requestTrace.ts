import type { IHeaders } from 'kafkajs';
import { headerText } from '../src/kafka/messageHeaders';
import { newTraceparent } from '../src/telemetry/newTraceparent';

const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The W3C trace a request belongs to: its own `traceparent`, or a new trace when it has none. */
export interface RequestTrace {
  readonly traceparent: string;
  readonly tracestate?: string;
  readonly traceId: string;
}

/** Reads a valid `traceparent`/`tracestate` from the headers, or starts a new trace. */
export function requestTraceFrom(headers: IHeaders | undefined): RequestTrace {
  const traceparent = headerText(headers, 'traceparent')?.trim().toLowerCase();
  const match = traceparent ? traceparentPattern.exec(traceparent) : null;
  if (traceparent && match?.[1] && !/^0+$/.test(match[1]) && match[2] && !/^0+$/.test(match[2])) {
    const tracestate = headerText(headers, 'tracestate');
    return { traceparent, traceId: match[1], ...(tracestate ? { tracestate } : {}) };
  }
  const fresh = newTraceparent();
  return { traceparent: fresh, traceId: fresh.split('-')[1] ?? '' };
}
