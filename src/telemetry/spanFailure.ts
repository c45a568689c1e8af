import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { maskSecrets } from '../logging/logger';
import { errorType, failureDescription } from './contentPolicy';

/**
 * Marks a span failed: `error.type` (semantic conventions) and an ERROR status whose message the
 * content policy decides (an error message can quote a prompt or a model's answer), secrets masked.
 */
export function recordSpanFailure(span: Span, error: unknown): void {
  span.setAttribute('error.type', errorType(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: maskSecrets(failureDescription(error)) });
}
