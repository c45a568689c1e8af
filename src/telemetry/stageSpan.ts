import type { Attributes } from '@opentelemetry/api';
import { observationKindAttributes, type ObservationKind } from './observationKind';
import { recordSpanFailure } from './spanFailure';
import { relayTracer } from './tracer';

/**
 * A span around one stage of a run (`research.plan`, `research.search #3`, `research.write`,
 * `research.publish`), so a trace viewer shows the latency breakdown at a glance.
 */
export function withStageSpan<T>(name: string, kind: ObservationKind, attributes: Attributes, run: () => Promise<T>): Promise<T> {
  return relayTracer().startActiveSpan(name, { attributes: { ...observationKindAttributes(kind), ...attributes } }, async (span) => {
    try {
      return await run();
    } catch (error) {
      recordSpanFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}
