import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { captureMessageContent, withoutContent } from './contentPolicy';
import { withSecretsMasked } from './maskedSpan';

/**
 * Applies the content policy to every span on its way to export — ours, the kafkajs
 * instrumentation's and the Temporal interceptors' (worker spans and the workflow spans the
 * worker's sink hands over) — so no library can put prompt-derived text on a span by quoting an
 * error message. Decided as each span ends; every registered secret is masked either way.
 */
export class ContentPolicySpanProcessor implements SpanProcessor {
  constructor(private readonly inner: SpanProcessor) {}

  onStart(span: Span, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    this.inner.onEnd(withSecretsMasked(captureMessageContent() ? span : withoutContent(span)));
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
