import { SpanStatusCode, type Attributes } from '@opentelemetry/api';
import { relayTracer } from './tracer';

/**
 * A span around one stage of a run (`research.plan`, `research.search #3`, `research.write`,
 * `research.publish`), so a trace viewer shows the latency breakdown at a glance.
 */
export function withStageSpan<T>(name: string, attributes: Attributes, run: () => Promise<T>): Promise<T> {
  return relayTracer().startActiveSpan(name, { attributes: { 'openinference.span.kind': 'CHAIN', ...attributes } }, async (span) => {
    try {
      return await run();
    } catch (error) {
      span.setAttribute('error.type', error instanceof Error ? error.name : 'Error');
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message.slice(0, 300) : 'failed' });
      throw error;
    } finally {
      span.end();
    }
  });
}
