import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { spanWith } from './rewrittenSpan';

/** OpenInference span kinds (`openinference.span.kind`) this project uses. */
export type ObservationKind = 'LLM' | 'AGENT' | 'CHAIN' | 'TOOL' | 'RETRIEVER';

/** Langfuse's observation type for each OpenInference span kind. */
const langfuseTypes: Readonly<Record<string, string>> = {
  LLM: 'generation',
  AGENT: 'agent',
  CHAIN: 'chain',
  TOOL: 'tool',
  RETRIEVER: 'retriever',
  EMBEDDING: 'embedding',
  GUARDRAIL: 'guardrail',
  EVALUATOR: 'evaluator',
};

/**
 * The attributes that give a span its kind in Phoenix and in Langfuse.
 *
 * @example
 * tracer.startActiveSpan('research.plan', { attributes: observationKindAttributes('AGENT') }, run);
 */
export function observationKindAttributes(kind: ObservationKind): Attributes {
  return { 'openinference.span.kind': kind, 'langfuse.observation.type': langfuseTypes[kind] ?? 'span' };
}

/**
 * The span with a kind Phoenix and Langfuse can show. Phoenix ignores OpenTelemetry's own span
 * kind and shows a span without `openinference.span.kind` as UNKNOWN: the Temporal
 * interceptor's and kafkajs instrumentation's spans get one here as they are exported — a
 * workflow run is the AGENT, everything else on the way (Kafka send and process, workflow start,
 * activity scheduling and execution) a CHAIN step. A span that has a kind keeps it.
 */
export function withObservationKind(span: ReadableSpan): ReadableSpan {
  const given = span.attributes['openinference.span.kind'];
  if (typeof given === 'string' && span.attributes['langfuse.observation.type'] !== undefined) return span;
  const kind = typeof given === 'string' ? given : span.name.startsWith('RunWorkflow:') ? 'AGENT' : 'CHAIN';
  const added: Attributes = { 'openinference.span.kind': kind, 'langfuse.observation.type': langfuseTypes[kind] ?? 'span' };
  return spanWith(span, { attributes: { ...added, ...span.attributes } });
}
