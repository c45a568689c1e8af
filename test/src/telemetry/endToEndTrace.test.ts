import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PipelineHarness } from '../../support/pipelineHarness';
import type { ResearchClient } from '../../../src/client/researchClient';
import type { Telemetry } from '../../../src/telemetry/telemetry';
import { OtlpTraceReceiver, type ReceivedSpan } from '../../support/otlpTraceReceiver';
import { eventually } from '../../support/eventually';
import { runCli } from '../../support/cliRunner';
import { tearDown } from '../../support/teardown';

// Tracing must start before kafkajs is loaded: everything that loads kafkajs is imported
// dynamically, after startTelemetry().
const secret = 'sk-test-secret-key-never-logged';

describe('one trace from request to result (OTLP gRPC to a real receiver)', () => {
  let receiver: OtlpTraceReceiver;
  let telemetry: Telemetry;
  let harness: PipelineHarness;
  let client: ResearchClient;

  before(async () => {
    receiver = await OtlpTraceReceiver.start();
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.grpcEndpoint;
    process.env.OTEL_SERVICE_NAME = 'research-relay-test';
    delete process.env.OTEL_EXPORTER_OTLP_PROTOCOL;
    delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
    const { startTelemetry } = await import('../../../src/telemetry/telemetry.js');
    telemetry = startTelemetry();
    const { PipelineHarness } = await import('../../support/pipelineHarness.js');
    const { createResearchClient } = await import('../../../src/client/researchClient.js');
    harness = await PipelineHarness.start();
    client = createResearchClient({ brokers: harness.config.kafka.brokers, topics: harness.config.topics });
  });
  // Also after a failed before(): what never started is skipped, and the receiver still stops.
  after(() =>
    tearDown(
      () => client?.close(),
      () => harness?.close(),
      () => telemetry?.shutdown(),
      () => receiver?.stop(),
    ),
  );

  /** Sends a request through the typed client and waits until its trace has arrived, publish included. */
  async function researched(requestId: string, traceparent?: string, who: { requestedBy?: string; metadata?: Record<string, string>; budget?: { maxCostUsd?: number; maxTokens?: number } } = {}) {
    harness.standIn.resetCalls();
    const sent = await client.request({ requestId, query: `How do tracing headers cross Kafka? (${requestId})`, maxSearches: 2, ...(traceparent ? { traceparent } : {}), ...who });
    const [record] = await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === requestId);
    assert.ok(record);
    const event = JSON.parse(record.value.toString()) as { traceId: string; usage: { total: { inputTokens: number; estimatedCostUsd: number } } };
    // The workflow's own spans end last (RunWorkflow when the run completes) and reach the
    // exporter through the worker's sink: wait until the whole run is in, flushing as we go.
    const spans = await eventually(async () => {
      await telemetry.flush();
      const found = receiver.trace(sent.traceId);
      const complete = found.some((span) => span.name.includes(harness.config.topics.completed)) && found.some((span) => span.name === 'RunWorkflow:ResearchWorkflow');
      const publishStarted = found.some((span) => span.name === 'StartActivity:publishCompleted');
      return complete && publishStarted ? found : undefined;
    }, 30_000, `the spans of ${requestId} (received ${receiver.spans.length} spans in ${receiver.exports} exports: ${[...new Set(receiver.spans.map((span) => span.name))].join(', ')})`);
    return { sent, record, event, spans };
  }

  it('keeps one trace id from the request’s traceparent to the result event’s header and body', async () => {
    const traceparent = '00-5b8efff798038103d269b633813fc60c-eee19b7ec3c1b174-01';
    const { sent, record, event, spans } = await researched('traced', traceparent);
    assert.equal(sent.traceId, '5b8efff798038103d269b633813fc60c');
    assert.equal(event.traceId, sent.traceId, 'the body names the request’s trace');
    assert.equal(record.headers.traceparent?.split('-')[1], sent.traceId, 'the header continues it');
    assert.ok(spans.length > 10, `spans arrived (${spans.length})`);
    assert.ok(spans.every((span) => span.serviceName === 'research-relay-test'));
  });

  it('chains Kafka → consumer → Temporal → activities → LLM → Kafka as parents', async () => {
    const { spans } = await researched('chained');
    const byName = (name: string): ReceivedSpan[] => spans.filter((span) => span.name === name);
    const publishSend = spans.find((span) => span.name.includes(harness.config.topics.completed));
    assert.ok(publishSend, `a produce span for the result; names: ${[...new Set(spans.map((s) => s.name))].join(', ')}`);
    const chain = receiver.ancestry(publishSend);
    const expected = [
      'research.publish',
      'RunActivity:publishCompleted',
      'StartActivity:publishCompleted',
      'RunWorkflow:ResearchWorkflow',
      'StartWorkflow:ResearchWorkflow',
      `${harness.config.topics.requested} process`,
      'research.request',
    ];
    const positions = expected.map((name) => chain.indexOf(name));
    assert.ok(positions.every((position) => position >= 0), `chain ${chain.join(' ← ')} holds ${expected.join(', ')}`);
    assert.deepEqual([...positions].sort((a, b) => a - b), positions, `in this order: ${chain.join(' ← ')}`);

    const llmSpans = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'chat');
    assert.equal(llmSpans.length, 1 + 2 + 1, 'planner, two searchers, writer');
    const plannerCall = llmSpans.find((span) => receiver.ancestry(span).includes('research.plan'));
    assert.ok(plannerCall);
    assert.ok(receiver.ancestry(plannerCall).includes('RunActivity:planSearches'));
    assert.equal(byName('research.search #1').length + byName('research.search #2').length, 2, 'one stage span per search');
    assert.equal(byName('research.search #1')[0]?.attributes['research.search.query'], undefined, 'a search’s query is content: recorded only with capture on');
  });

  it('puts GenAI and OpenInference attributes on every LLM span, with the token counts the model server reported', async () => {
    const { spans, event } = await researched('tokens');
    const llmSpans = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'chat');
    const calls = harness.standIn.calls().filter((call) => call.status === 200);
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    assert.equal(sum(llmSpans.map((span) => Number(span.attributes['gen_ai.usage.input_tokens']))), sum(calls.map((call) => call.usage?.inputTokens ?? 0)));
    assert.equal(sum(llmSpans.map((span) => Number(span.attributes['gen_ai.usage.output_tokens']))), sum(calls.map((call) => call.usage?.outputTokens ?? 0)));
    assert.equal(sum(llmSpans.map((span) => Number(span.attributes['gen_ai.usage.input_tokens']))), event.usage.total.inputTokens);
    for (const span of llmSpans) {
      assert.equal(span.name, `chat ${String(span.attributes['gen_ai.request.model'])}`);
      assert.equal(span.kind, 3, 'CLIENT');
      assert.equal(span.attributes['gen_ai.provider.name'], 'openai');
      assert.match(String(span.attributes['gen_ai.response.id']), /^resp_/);
      assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop']);
      assert.equal(span.attributes['openinference.span.kind'], 'LLM');
      assert.equal(span.attributes['llm.token_count.prompt'], span.attributes['gen_ai.usage.input_tokens']);
      assert.equal(span.attributes['llm.token_count.total'], Number(span.attributes['gen_ai.usage.input_tokens']) + Number(span.attributes['gen_ai.usage.output_tokens']));
      const [prompt, completion, total] = ['prompt', 'completion', 'total'].map((part) => Number(span.attributes[`llm.cost.${part}`]));
      assert.ok(prompt! > 0 && completion! > 0, `priced from the table: ${prompt} + ${completion}`);
      assert.ok(Math.abs(total! - prompt! - completion!) < 1e-12, 'the total is input + output');
      assert.equal(span.attributes['gen_ai.usage.cost'], total, 'the cost Langfuse reads');
      assert.deepEqual(JSON.parse(String(span.attributes['langfuse.observation.cost_details'])), { input: prompt, output: completion, total });
      assert.equal(span.attributes['langfuse.observation.type'], 'generation');
    }
    const costOf = (spanList: ReceivedSpan[]) => spanList.reduce((sum, span) => sum + Number(span.attributes['llm.cost.total'] ?? 0), 0);
    assert.ok(Math.abs(costOf(llmSpans) - event.usage.total.estimatedCostUsd) < 1e-6, `the LLM spans' costs add up to the event's (rounded there to 6 decimals) (${costOf(llmSpans)} vs ${event.usage.total.estimatedCostUsd})`);
    const counted = spans.filter((span) => span.attributes['llm.token_count.total'] !== undefined || span.attributes['gen_ai.usage.input_tokens'] !== undefined || span.attributes['llm.cost.total'] !== undefined);
    assert.deepEqual(counted.map((span) => span.spanId).sort(), llmSpans.map((span) => span.spanId).sort(), 'only LLM spans carry tokens and cost: a trace total counts each call once');
  });

  it('gives every span a kind Phoenix and Langfuse show, and names the run’s session, user and metadata', async () => {
    const { spans } = await researched('identified', undefined, { requestedBy: 'trace-test', metadata: { team: 'search', ticket: 'T-7' } });
    const unknown = spans.filter((span) => typeof span.attributes['openinference.span.kind'] !== 'string' || typeof span.attributes['langfuse.observation.type'] !== 'string');
    assert.deepEqual(unknown.map((span) => span.name), [], 'no span without a kind');
    const kindOf = (name: string) => spans.find((span) => span.name === name)?.attributes['openinference.span.kind'];
    assert.equal(kindOf('RunWorkflow:ResearchWorkflow'), 'AGENT');
    assert.equal(kindOf('research.plan'), 'AGENT');
    assert.equal(kindOf('research.write'), 'AGENT');
    assert.equal(kindOf('research.publish'), 'CHAIN');
    assert.equal(kindOf(`${harness.config.topics.requested} process`), 'CHAIN');
    assert.equal(kindOf('StartWorkflow:ResearchWorkflow'), 'CHAIN');
    assert.equal(spans.find((span) => span.name === 'RunWorkflow:ResearchWorkflow')?.attributes['langfuse.observation.type'], 'agent');
    for (const name of ['research.request', `${harness.config.topics.requested} process`, 'RunWorkflow:ResearchWorkflow']) {
      const span = spans.find((candidate) => candidate.name === name);
      assert.equal(span?.attributes['session.id'], 'identified', `${name}: the request id is the session`);
      assert.equal(span?.attributes['langfuse.session.id'], 'identified');
      assert.equal(span?.attributes['user.id'], 'trace-test', `${name}: requestedBy is the user`);
      assert.deepEqual(JSON.parse(String(span?.attributes.metadata)), { team: 'search', ticket: 'T-7' });
      assert.deepEqual(span?.attributes['tag.tags'], ['team:search', 'ticket:T-7']);
    }
  });

  it('puts the run’s budget and what it spent — its result event’s usage — on the run span; a budget stop says so there', async () => {
    const { spans, event } = await researched('budgeted', undefined, { budget: { maxCostUsd: 5, maxTokens: 1_000_000 } });
    const run = spans.find((span) => span.name === 'RunWorkflow:ResearchWorkflow');
    const usage = event.usage.total as { inputTokens: number; outputTokens: number; estimatedCostUsd: number };
    assert.equal(Number(run?.attributes['research.budget.max_cost_usd']), 5);
    assert.equal(Number(run?.attributes['research.budget.max_tokens']), 1_000_000);
    assert.equal(Number(run?.attributes['research.usage.input_tokens']), usage.inputTokens);
    assert.equal(Number(run?.attributes['research.usage.output_tokens']), usage.outputTokens);
    assert.equal(Number(run?.attributes['research.usage.total_tokens']), usage.inputTokens + usage.outputTokens);
    assert.equal(Number(run?.attributes['research.usage.cost_usd']), usage.estimatedCostUsd);
    assert.equal(run?.attributes['research.budget.exceeded'], undefined);

    const sent = await client.request({ requestId: 'budget-stopped', query: 'How far does a tiny budget go?', budget: { maxTokens: 10 } });
    const [failed] = await harness.recorder.waitFor(harness.config.topics.failed, 1, (r) => r.key === 'budget-stopped');
    const stop = (JSON.parse(failed?.value.toString() ?? '{}') as { budgetStop?: { estimatedTokens: number } }).budgetStop;
    const stopped = await eventually(async () => {
      await telemetry.flush();
      return receiver.trace(sent.traceId).find((span) => span.name === 'RunWorkflow:ResearchWorkflow');
    }, 30_000, 'the stopped run’s span');
    assert.equal(stopped.attributes['research.budget.exceeded'], true);
    assert.equal(Number(stopped.attributes['research.budget.max_tokens']), 10);
    assert.equal(Number(stopped.attributes['research.budget.stop.estimated_tokens']), stop?.estimatedTokens);
    assert.equal(Number(stopped.attributes['research.usage.total_tokens']), 0, 'stopped before the first model call');
  });

  it('records prompt and completion text only when the user turns it on, and never a secret', async () => {
    const hidden = await researched('content-off');
    for (const span of hidden.spans) {
      assert.equal(span.attributes['gen_ai.input.messages'], undefined);
      assert.equal(span.attributes['input.value'], undefined);
      assert.equal(span.attributes['output.value'], undefined);
    }
    process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'true';
    try {
      const shown = await researched('content-on');
      const planner = shown.spans.find((span) => span.attributes['gen_ai.request.model'] === 'gpt-4.1' && receiver.ancestry(span).includes('research.plan'));
      assert.match(String(planner?.attributes['gen_ai.input.messages']), /How do tracing headers cross Kafka\? \(content-on\)/);
      assert.match(String(planner?.attributes['output.value']), /"searches"/);
      const run = shown.spans.find((span) => span.name === 'RunWorkflow:ResearchWorkflow');
      assert.equal(run?.attributes['input.value'], 'How do tracing headers cross Kafka? (content-on)', 'the run’s input is the question');
      const [completed] = await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === 'content-on');
      const summary = (JSON.parse(completed?.value.toString() ?? '{}') as { report?: { shortSummary?: string } }).report?.shortSummary;
      assert.ok(summary);
      assert.equal(run?.attributes['output.value'], summary, 'the run’s output is the short summary');
    } finally {
      delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
    }
    assert.ok(!JSON.stringify(receiver.spans.map((span) => span.attributes)).includes(secret), 'the API key is in no attribute');
  });

  it('a request sent from the CLI exports no command line: the question is in no span and no resource', async () => {
    const question = 'Is the command line of the CLI ever exported with its spans?';
    const sent = await runCli(['request', '--id', 'cli-argv', question], { ...harness.env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcEndpoint });
    assert.equal(sent.code, 0, sent.stderr);
    const traceId = /\(trace ([0-9a-f]{32})\)/.exec(sent.stdout)?.[1] ?? '';
    const cliSpans = await eventually(() => {
      const found = receiver.trace(traceId).filter((span) => span.name === 'research.request');
      return found.length > 0 ? found : undefined;
    }, 10_000, 'the CLI’s request span');
    assert.ok(cliSpans.every((span) => span.resource['process.command_args'] === undefined), 'no process.command_args');
    assert.ok(!JSON.stringify(receiver.spans.map((span) => [span.resource, span.attributes, span.events])).includes('ever exported with its spans'), 'the question is nowhere');
  });

  it('a request redriven from the DLQ by the CLI, with the CLI’s own telemetry off, runs in the request’s own trace', async () => {
    const oversize = JSON.stringify({ requestId: 'redriven', query: 'Does a redriven run keep its trace?', maxSearches: 1, padding: 'y'.repeat(5000) });
    await harness.produceRaw('redriven', oversize, { ce_type: 'research.requested.v1' });
    const [letter] = await harness.recorder.waitFor(harness.config.topics.deadLetter, 1, (r) => r.key === 'redriven');
    // The request's trace: the one its producer's send span wrote into the record.
    const traceId = letter?.headers.traceparent?.split('-')[1] ?? '';
    assert.match(traceId, /^[0-9a-f]{32}$/);
    const redrive = await runCli(['dlq', 'redrive', '--where', 'key=redriven'], { ...harness.env, INGEST_MAX_MESSAGE_BYTES: '65536', OTEL_SDK_DISABLED: 'true' });
    assert.equal(redrive.code, 0, redrive.stderr);
    const [record] = await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === 'redriven');
    assert.equal((JSON.parse(record?.value.toString() ?? '{}') as { traceId?: string }).traceId, traceId, 'the result names the request’s trace');
    // The worker's spans (in this process, exported) continue the trace the CLI started the run in.
    await eventually(async () => {
      await telemetry.flush();
      return receiver.trace(traceId).some((span) => span.name === 'RunWorkflow:ResearchWorkflow') || undefined;
    }, 30_000, 'the run’s workflow span in the request’s trace');
  });
});
