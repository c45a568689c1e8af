import { trace, type Tracer } from '@opentelemetry/api';

/** The tracer of research-relay's own spans (stages, LLM calls, the ingest step). */
export function relayTracer(): Tracer {
  return trace.getTracer('research-relay', '0.1.0');
}
