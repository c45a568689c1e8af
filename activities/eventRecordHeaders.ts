import { cloudEventHeaders } from '../src/contracts/cloudEventHeaders';

export interface PublishContext {
  /** W3C traceparent of the request's trace, copied into the event's headers. */
  readonly traceparent?: string;
  readonly tracestate?: string;
}

/** The headers of every event a run publishes: CloudEvents binary mode, and the request's trace. */
export function eventRecordHeaders(event: { type: string; id: string; source: string }, context: PublishContext): Record<string, string> {
  const headers: Record<string, string> = cloudEventHeaders({ id: event.id, source: event.source, type: event.type, time: new Date().toISOString() });
  if (context.traceparent) headers.traceparent = context.traceparent;
  if (context.tracestate) headers.tracestate = context.tracestate;
  return headers;
}
