import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { maskSecrets } from '../logging/logger';

/**
 * The span with every registered secret masked in its status message and in the string
 * attributes of the span, its events and links: a library's span (a gRPC error quoting a
 * credential, an exception event) is masked like a log line before export.
 */
export function withSecretsMasked(span: ReadableSpan): ReadableSpan {
  const view = Object.create(span) as ReadableSpan & Record<string, unknown>;
  Object.defineProperties(view, {
    attributes: { value: maskedAttributes(span.attributes) },
    status: { value: span.status.message ? { ...span.status, message: maskSecrets(span.status.message) } : span.status },
    events: { value: span.events.map((event) => (event.attributes ? { ...event, attributes: maskedAttributes(event.attributes) } : event)) },
    links: { value: span.links.map((link) => (link.attributes ? { ...link, attributes: maskedAttributes(link.attributes) } : link)) },
  });
  return view;
}

function maskedAttributes(attributes: Attributes): Attributes {
  const masked: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    masked[key] = typeof value === 'string' ? maskSecrets(value) : Array.isArray(value) ? value.map((item) => (typeof item === 'string' ? maskSecrets(item) : item)) as typeof value : value;
  }
  return masked;
}
