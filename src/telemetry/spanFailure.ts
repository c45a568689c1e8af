import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { maskSecrets } from '../logging/logger';

/** Marks a span failed: `error.type` (semantic conventions) and an ERROR status with a short message (secrets masked). */
export function recordSpanFailure(span: Span, error: unknown): void {
  span.setAttribute('error.type', error instanceof Error ? error.name : 'Error');
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? maskSecrets(error.message).slice(0, 300) : 'failed' });
}
