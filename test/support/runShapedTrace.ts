import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** One span of a synthetic run: where it sits (depth), when (ms from the trace's start) and what it says. */
export interface PlannedSpan {
  readonly name: string;
  readonly depth: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  readonly error?: string;
}

export interface ExportedRunTrace {
  readonly traceId: string;
  /** The spans in the order they were planned (depth-first), with their span ids. */
  readonly spans: readonly (PlannedSpan & { readonly spanId: string; readonly parentSpanId: string | undefined })[];
}

const llm = (agent: string, model: string, prompt: number, completion: number, costUsd: number): Attributes => ({
  'openinference.span.kind': 'LLM',
  'gen_ai.agent.name': agent,
  'llm.model_name': model,
  'llm.token_count.prompt': prompt,
  'llm.token_count.completion': completion,
  'llm.token_count.total': prompt + completion,
  'llm.cost.total': costUsd,
});

/**
 * The spans of one research run as the relay's processes send them (the names and attributes
 * of the brief for `research-relay trace`): the CLI's request, kafkajs send and process, the
 * Temporal start and run, activities, stages and their model calls — one of them failed.
 */
export function runShapedSpans(requestId: string): PlannedSpan[] {
  const session = { 'session.id': requestId };
  return [
    { name: 'research.request', depth: 0, startMs: 0, endMs: 40, kind: SpanKind.INTERNAL },
    { name: 'research.requested send', depth: 1, startMs: 5, endMs: 30, kind: SpanKind.PRODUCER },
    { name: 'research.requested process', depth: 2, startMs: 50, endMs: 120, kind: SpanKind.CONSUMER, attributes: session },
    { name: 'StartWorkflow:ResearchWorkflow', depth: 3, startMs: 60, endMs: 110, kind: SpanKind.CLIENT },
    { name: 'RunWorkflow:ResearchWorkflow', depth: 4, startMs: 130, endMs: 4000, attributes: session },
    { name: 'StartActivity:plan', depth: 5, startMs: 140, endMs: 150 },
    { name: 'RunActivity:plan', depth: 6, startMs: 160, endMs: 1000 },
    { name: 'research.plan', depth: 7, startMs: 170, endMs: 990, attributes: { ...session, 'openinference.span.kind': 'CHAIN' } },
    { name: 'chat gpt-4.1', depth: 8, startMs: 180, endMs: 980, kind: SpanKind.CLIENT, attributes: { ...session, ...llm('planner', 'gpt-4.1', 812, 164, 0.002936) } },
    { name: 'StartActivity:search', depth: 5, startMs: 1010, endMs: 1020 },
    { name: 'RunActivity:search', depth: 6, startMs: 1030, endMs: 2000 },
    { name: 'research.search #1', depth: 7, startMs: 1040, endMs: 1990, attributes: { ...session, 'openinference.span.kind': 'CHAIN' } },
    { name: 'chat gpt-4.1-mini', depth: 8, startMs: 1050, endMs: 1980, kind: SpanKind.CLIENT, attributes: { ...session, ...llm('searcher', 'gpt-4.1-mini', 1500, 420, 0.001272) } },
    { name: 'research.search #2', depth: 7, startMs: 1045, endMs: 1600, attributes: { ...session, 'openinference.span.kind': 'CHAIN' } },
    { name: 'chat gpt-4.1-mini', depth: 8, startMs: 1055, endMs: 1590, kind: SpanKind.CLIENT, error: 'rate limited (429)', attributes: { ...session, 'openinference.span.kind': 'LLM', 'gen_ai.agent.name': 'searcher', 'llm.model_name': 'gpt-4.1-mini' } },
    { name: 'RunActivity:write', depth: 6, startMs: 2100, endMs: 3800 },
    { name: 'research.write', depth: 7, startMs: 2110, endMs: 3790, attributes: { ...session, 'openinference.span.kind': 'CHAIN' } },
    { name: 'chat gpt-4.1', depth: 8, startMs: 2120, endMs: 3780, kind: SpanKind.CLIENT, attributes: { ...session, ...llm('writer', 'gpt-4.1', 3200, 900, 0.0136) } },
    { name: 'research.publish', depth: 5, startMs: 3850, endMs: 3990, attributes: { ...session, 'openinference.span.kind': 'CHAIN' } },
  ];
}

/**
 * Exports planned spans as one trace over OTLP/HTTP protobuf (to Phoenix's `/v1/traces`) into the
 * Phoenix project `projectName` (resource attribute `openinference.project.name`), timed from
 * `startEpochMs`. Each span's parent is the nearest earlier span one level up.
 */
export async function exportRunTrace(otlpHttpUrl: string, projectName: string, planned: readonly PlannedSpan[], startEpochMs = Date.now() - 60_000): Promise<ExportedRunTrace> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'research-relay-trace-test', 'openinference.project.name': projectName }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: otlpHttpUrl }))],
  });
  const tracer = provider.getTracer('runShapedTrace');
  const open: Span[] = [];
  const made = planned.map((plan) => {
    const parent = open[plan.depth - 1];
    const span = tracer.startSpan(plan.name, { startTime: startEpochMs + plan.startMs, kind: plan.kind ?? SpanKind.INTERNAL, attributes: plan.attributes ?? {} }, parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT);
    if (plan.error) span.setStatus({ code: SpanStatusCode.ERROR, message: plan.error });
    open[plan.depth] = span;
    open.length = plan.depth + 1;
    return { ...plan, span, spanId: span.spanContext().spanId, parentSpanId: parent?.spanContext().spanId };
  });
  for (const { span, endMs } of made) span.end(startEpochMs + endMs);
  await provider.forceFlush();
  await provider.shutdown();
  const traceId = made[0]?.span.spanContext().traceId ?? '';
  return { traceId, spans: made.map(({ span: _span, ...rest }) => rest) };
}
