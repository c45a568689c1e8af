import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { maskSecrets } from '../logging/logger';
import { rewrittenSpan } from './rewrittenSpan';

/**
 * The span with every registered secret masked in its status message and in the string
 * attributes of the span, its events and links: a library's span (a gRPC error quoting a
 * credential, an exception event) is masked like a log line before export.
 */
export function withSecretsMasked(span: ReadableSpan): ReadableSpan {
  return rewrittenSpan(span, { attributes: maskedAttributes, statusMessage: maskSecrets });
}

function maskedAttributes(attributes: Attributes): Attributes {
  const masked: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    masked[key] = typeof value === 'string' ? maskSecrets(value) : Array.isArray(value) ? (value.map((item) => (typeof item === 'string' ? maskSecrets(item) : item)) as typeof value) : value;
  }
  return masked;
}
