import { randomUUID } from 'node:crypto';
import { context, SpanKind } from '@opentelemetry/api';
import type { Producer } from 'kafkajs';
import { cloudEventHeaders } from '../contracts/cloudEventHeaders';
import { researchRequestedSchema, researchRequestedType, type ResearchRequested } from '../contracts/researchRequested';
import type { RunBudget } from '../contracts/runBudget';
import { activeTraceContext, newTraceContext, otelContextOf, traceContextOf, traceHeaders } from '../telemetry/traceContext';
import { relayTracer } from '../telemetry/tracer';
import { contentAttributes } from '../telemetry/contentPolicy';
import { observationKindAttributes } from '../telemetry/observationKind';
import { runSessionAttributes } from '../telemetry/runSessionAttributes';

export interface ResearchRequestInput {
  readonly query: string;
  /** Default: a new UUID. Re-sending the same id never starts a second run. */
  readonly requestId?: string;
  readonly requestedBy?: string;
  readonly maxSearches?: number;
  readonly metadata?: Record<string, string>;
  /**
   * Spending limits of the run: estimated USD and tokens (input + output). A field left out
   * takes the service's default; a stage that would pass the budget is not started, and the
   * run fails with BudgetExceededError.
   */
  readonly budget?: RunBudget;
  /** The W3C trace to continue; default: the active span's, else a new trace. */
  readonly traceparent?: string;
}

export interface SentRequest {
  readonly requestId: string;
  readonly traceId: string;
  readonly traceparent: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/**
 * Produces one `research.requested` CloudEvent (key = requestId) inside a `research.request`
 * span. The request's trace: the given traceparent, else the caller's active span, else a
 * new trace. With telemetry on, the kafkajs instrumentation writes the send span's context
 * into the headers, which continues the same trace.
 */
export function sendResearchRequest(producer: Producer, topic: string, source: string, input: ResearchRequestInput): Promise<SentRequest> {
  const given = traceContextOf(input.traceparent);
  if (input.traceparent && !given) throw new Error(`traceparent "${input.traceparent.slice(0, 80)}" is not a valid W3C traceparent`);
  const request: ResearchRequested = researchRequestedSchema.parse({
    requestId: input.requestId ?? randomUUID(),
    query: input.query,
    ...(input.requestedBy ? { requestedBy: input.requestedBy } : {}),
    ...(input.maxSearches !== undefined ? { maxSearches: input.maxSearches } : {}),
    ...(input.metadata ? { metadata: input.metadata } : {}),
    ...(input.budget ? { budget: input.budget } : {}),
    submittedAt: new Date().toISOString(),
  });
  const parent = given ? otelContextOf(given) : context.active();
  const attributes = {
    'research.request_id': request.requestId,
    ...observationKindAttributes('CHAIN'),
    ...runSessionAttributes(request),
    ...contentAttributes({ 'input.value': request.query, 'input.mime_type': 'text/plain' }),
  };
  return relayTracer().startActiveSpan('research.request', { kind: SpanKind.PRODUCER, attributes }, parent, async (span) => {
    try {
      const trace = activeTraceContext() ?? given ?? newTraceContext();
      const headers = { ...cloudEventHeaders({ id: randomUUID(), source, type: researchRequestedType, time: new Date().toISOString() }), ...traceHeaders(trace) };
      const sent = await producer.send({ topic, acks: -1, messages: [{ key: request.requestId, value: JSON.stringify(request), headers }] });
      const metadata = sent[0];
      return { requestId: request.requestId, traceparent: trace.traceparent, traceId: trace.traceId, topic, partition: metadata?.partition ?? 0, offset: metadata?.baseOffset ?? '0' };
    } finally {
      span.end();
    }
  });
}
