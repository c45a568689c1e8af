import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

/** How to rewrite a span's text on its way to export. */
export interface SpanRewrite {
  readonly attributes: (attributes: Attributes) => Attributes;
  readonly statusMessage: (message: string) => string;
  /** Default: the event with its attributes rewritten like the span's. */
  readonly event?: (event: TimedEvent) => TimedEvent;
}

/**
 * A copy of the span with the same identity whose attributes, status message, events and links
 * are rewritten; the span itself is left alone (other processors see it unchanged).
 *
 * @example
 * const masked = rewrittenSpan(span, { attributes: maskAll, statusMessage: maskSecrets });
 */
export function rewrittenSpan(span: ReadableSpan, rewrite: SpanRewrite): ReadableSpan {
  const event = rewrite.event ?? ((timed: TimedEvent) => (timed.attributes ? { ...timed, attributes: rewrite.attributes(timed.attributes) } : timed));
  const view = Object.create(span) as ReadableSpan & Record<string, unknown>;
  Object.defineProperties(view, {
    attributes: { value: rewrite.attributes(span.attributes) },
    status: { value: span.status.message ? { ...span.status, message: rewrite.statusMessage(span.status.message) } : span.status },
    events: { value: span.events.map(event) },
    links: { value: span.links.map((link) => (link.attributes ? { ...link, attributes: rewrite.attributes(link.attributes) } : link)) },
  });
  return view;
}
