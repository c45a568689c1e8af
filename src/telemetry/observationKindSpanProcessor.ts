import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { withObservationKind } from './observationKind';

/**
 * Gives every span on its way to export a kind Phoenix and Langfuse can show (see
 * withObservationKind) — decided as each span ends, because the workflow spans the worker's sink
 * hands over are only ever seen ending.
 */
export class ObservationKindSpanProcessor implements SpanProcessor {
  constructor(private readonly inner: SpanProcessor) {}

  onStart(span: Span, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    this.inner.onEnd(withObservationKind(span));
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
