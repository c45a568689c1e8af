import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

/** How to rewrite a span's text on its way to export. */
export interface SpanRewrite {
  readonly attributes: (attributes: Attributes) => Attributes;
  readonly statusMessage: (message: string) => string;
  /** Default: the event with its attributes rewritten like the span's. */
  readonly event?: (event: TimedEvent) => TimedEvent;
}

/** The parts of an ended span that the export path may replace. */
export type SpanText = Pick<ReadableSpan, 'attributes' | 'status' | 'events' | 'links'>;

/**
 * A copy of the span with the same identity whose attributes, status message, events and links
 * are rewritten; the span itself is left alone (other processors see it unchanged).
 *
 * @example
 * const masked = rewrittenSpan(span, { attributes: maskAll, statusMessage: maskSecrets });
 */
export function rewrittenSpan(span: ReadableSpan, rewrite: SpanRewrite): ReadableSpan {
  const event = rewrite.event ?? ((timed: TimedEvent) => (timed.attributes ? { ...timed, attributes: rewrite.attributes(timed.attributes) } : timed));
  return spanWith(span, {
    attributes: rewrite.attributes(span.attributes),
    status: span.status.message ? { ...span.status, message: rewrite.statusMessage(span.status.message) } : span.status,
    events: span.events.map(event),
    links: span.links.map((link) => (link.attributes ? { ...link, attributes: rewrite.attributes(link.attributes) } : link)),
  });
}

/**
 * A plain copy of the ended span (same identity, times and origin) with `text` in place of its
 * own. A plain object on purpose, not `Object.create(span)`: V8 gives every object used as a
 * prototype a hidden class of its own, so each span became a shape of its own and every span
 * the exporter read went through a prototype chain of such shapes (the consumer's telemetry
 * took a tenth of its CPU in these copies and their reads).
 */
export function spanWith(span: ReadableSpan, text: Partial<SpanText>): ReadableSpan {
  const { parentSpanContext } = span;
  const context = span.spanContext();
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => context,
    ...(parentSpanContext ? { parentSpanContext } : {}),
    startTime: span.startTime,
    endTime: span.endTime,
    status: text.status ?? span.status,
    attributes: text.attributes ?? span.attributes,
    links: text.links ?? span.links,
    events: text.events ?? span.events,
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}
