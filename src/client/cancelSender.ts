import { randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import type { Producer } from 'kafkajs';
import { cloudEventHeaders } from '../contracts/cloudEventHeaders';
import { researchCancelSchema, researchCancelType, type ResearchCancel } from '../contracts/researchCancel';
import { activeTraceContext, newTraceContext, traceHeaders } from '../telemetry/traceContext';
import { relayTracer } from '../telemetry/tracer';

export interface ResearchCancelOptions {
  /** Why; `research.failed` of the cancelled run carries it as `cancelReason` (1–1,000 characters). */
  readonly reason?: string;
  /** Who cancels: logged, and checked against the request's requestedBy where the relay requires it (CANCEL_REQUIRE_SAME_REQUESTER). */
  readonly requestedBy?: string;
}

export interface SentCancel {
  readonly requestId: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/**
 * Produces one `research.cancel.v1` CloudEvent on the cancel topic (research.cancel), keyed by
 * the request id, inside a `research.cancel` span. Resolves once Kafka has it (acks=all); what
 * it did shows on the result topic: the run's `research.failed` with `cancelled: true`, or
 * nothing new when the run had finished or never existed (a cancel that arrives before its
 * request waits for it, CANCEL_WAIT_FOR_RUN_MS). A cancel never starts a run.
 */
export function sendResearchCancel(producer: Producer, topic: string, source: string, requestId: string, options: ResearchCancelOptions = {}): Promise<SentCancel> {
  const cancel: ResearchCancel = researchCancelSchema.parse({
    requestId,
    ...(options.reason !== undefined ? { reason: options.reason } : {}),
    ...(options.requestedBy !== undefined ? { requestedBy: options.requestedBy } : {}),
    submittedAt: new Date().toISOString(),
  });
  return relayTracer().startActiveSpan('research.cancel', { kind: SpanKind.PRODUCER, attributes: { 'research.request_id': requestId } }, async (span) => {
    try {
      const trace = activeTraceContext() ?? newTraceContext();
      const headers = { ...cloudEventHeaders({ id: randomUUID(), source, type: researchCancelType, time: new Date().toISOString() }), ...traceHeaders(trace) };
      const sent = await producer.send({ topic, acks: -1, messages: [{ key: cancel.requestId, value: JSON.stringify(cancel), headers }] });
      const metadata = sent[0];
      return { requestId: cancel.requestId, topic, partition: metadata?.partition ?? 0, offset: metadata?.baseOffset ?? '0' };
    } finally {
      span.end();
    }
  });
}
