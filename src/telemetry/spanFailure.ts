import { SpanStatusCode, type Span } from '@opentelemetry/api';

/** Marks a span failed: `error.type` (semantic conventions) and an ERROR status with a short message. */
export function recordSpanFailure(span: Span, error: unknown): void {
  span.setAttribute('error.type', error instanceof Error ? error.name : 'Error');
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message.slice(0, 300) : 'failed' });
}
