import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ResearchClient } from '../../../src/client/researchClient';
import type { Telemetry } from '../../../src/telemetry/telemetry';
import { runCli } from '../../support/cliRunner';
import { eventually } from '../../support/eventually';
import type { PipelineHarness } from '../../support/pipelineHarness';
import { tearDown } from '../../support/teardown';
import { phoenixAncestry, phoenixSpans, phoenixTraceSummary, startPhoenixTelemetry, type PhoenixSpan } from '../../support/phoenixBackend';

// Tracing must start before kafkajs is loaded: everything that loads kafkajs is imported
// dynamically, after startTelemetry().
const project = `relay-test-${process.pid}-${Date.now().toString(36)}`;
const query = 'Which offsets does a Kafka consumer commit after a rebalance? (phoenix)';
// Phoenix keeps one session per session id across all projects: each run of this test needs its own ids.
const requestId = `phoenix-run-${process.pid}-${Date.now().toString(36)}`;
const cliRequestId = `phoenix-cli-${process.pid}-${Date.now().toString(36)}`;

describe('a run as Phoenix shows it (spans read back from the real backend)', () => {
  let telemetry: Telemetry;
  let harness: PipelineHarness;
  let client: ResearchClient;
  let spans: PhoenixSpan[];
  let traceId: string;

  before(async () => {
    telemetry = await startPhoenixTelemetry(project);
    const { PipelineHarness } = await import('../../support/pipelineHarness.js');
    const { createResearchClient } = await import('../../../src/client/researchClient.js');
    harness = await PipelineHarness.start();
    client = createResearchClient({ brokers: harness.config.kafka.brokers, topics: harness.config.topics });

    const sent = await client.request({ requestId, query, maxSearches: 2, requestedBy: 'phoenix-test', metadata: { team: 'platform' } });
    traceId = sent.traceId;
    await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === requestId);
    // The workflow span ends last and Phoenix inserts in batches: wait until the run is whole there.
    spans = await eventually(async () => {
      await telemetry.flush();
      const found = await phoenixSpans(project, traceId);
      const whole = ['research.request', 'RunWorkflow:ResearchWorkflow', 'research.publish'].every((name) => found.some((span) => span.name === name));
      return whole && found.some((span) => span.name.includes(harness.config.topics.completed)) ? found : undefined;
    }, 60_000, `the run's spans in Phoenix project ${project}`);
  });
  after(() =>
    tearDown(
      () => client?.close(),
      () => harness?.close(),
      () => telemetry?.shutdown(),
    ),
  );

  it('holds one trace from the request span to the result’s publish span', () => {
    assert.ok(spans.every((span) => span.context.trace_id === traceId));
    const roots = spans.filter((span) => span.parent_id === null);
    assert.deepEqual(roots.map((span) => span.name), ['research.request'], 'the request span is the one root');
    const publishSend = spans.find((span) => span.name.includes(harness.config.topics.completed));
    assert.ok(publishSend);
    const chain = phoenixAncestry(spans, publishSend);
    assert.equal(chain.at(-1), 'research.request', `the publish reaches the root: ${chain.join(' ← ')}`);
    for (const name of ['research.publish', 'RunWorkflow:ResearchWorkflow', `${harness.config.topics.requested} process`]) assert.ok(chain.includes(name), `${name} in ${chain.join(' ← ')}`);
  });

  it('shows an LLM span per agent call with its model, token counts and cost', async () => {
    const llm = spans.filter((span) => span.span_kind === 'LLM');
    const billed = harness.standIn.calls().filter((call) => call.status === 200);
    assert.equal(llm.length, 1 + 2 + 1, 'planner, two searchers, writer');
    assert.equal(llm.length, billed.length, 'one span per call the model server answered');
    for (const span of llm) {
      assert.match(String(span.attributes['llm.model_name']), /^gpt-4\.1(-mini)?$/);
      assert.ok(Number(span.attributes['llm.token_count.prompt']) > 0 && Number(span.attributes['llm.token_count.completion']) > 0, `${span.name} has token counts`);
      assert.ok(Number(span.attributes['llm.cost.total']) > 0, `${span.name} has its cost`);
    }
    const summary = await eventually(() => phoenixTraceSummary(project, traceId), 10_000, 'the trace in Phoenix GraphQL');
    assert.ok((summary.costSummary.total.cost ?? 0) > 0, `Phoenix priced the run itself: ${JSON.stringify(summary.costSummary)}`);
    const tokens = llm.reduce((sum, span) => sum + Number(span.attributes['llm.token_count.total']), 0);
    assert.equal(summary.costSummary.total.tokens, tokens, 'Phoenix counts each call’s tokens once');
    assert.equal(summary.session?.sessionId, requestId, 'the request id is the session');
    assert.equal(summary.userId, 'phoenix-test', 'requestedBy is the user');
  });

  it('shows the stages in order, each with a kind (none UNKNOWN)', () => {
    assert.deepEqual(spans.filter((span) => span.span_kind === 'UNKNOWN').map((span) => span.name), []);
    const started = (name: string | RegExp) => {
      const span = spans.find((candidate) => (typeof name === 'string' ? candidate.name === name : name.test(candidate.name)));
      assert.ok(span, `a ${String(name)} span`);
      return { start: Date.parse(span.start_time), end: Date.parse(span.end_time), kind: span.span_kind };
    };
    const [plan, search, write, publish] = ['research.plan', /^research\.search #/, 'research.write', 'research.publish'].map(started);
    assert.ok(plan!.end <= search!.start && search!.end <= write!.start && write!.end <= publish!.start, 'plan → search → write → publish');
    assert.deepEqual([plan!.kind, search!.kind, write!.kind, publish!.kind], ['AGENT', 'AGENT', 'AGENT', 'CHAIN']);
    assert.equal(started('RunWorkflow:ResearchWorkflow').kind, 'AGENT');
  });

  it('research-relay request --wait, with no endpoint configured, roots the trace in Phoenix and ends with its link', async () => {
    const cli = await runCli(['request', '--wait', '--id', cliRequestId, '--max-searches', '1', 'How does the CLI reach Phoenix?'], { ...harness.env, OTEL_EXPORTER_OTLP_ENDPOINT: '' });
    assert.equal(cli.code, 0, cli.stderr);
    const traceId = /trace id: ([0-9a-f]{32})/.exec(cli.stdout)?.[1];
    assert.ok(traceId, cli.stdout);
    assert.match(cli.stdout, new RegExp(`^  phoenix:  http://127\\.0\\.0\\.1:\\d+/redirects/traces/${traceId}$`, 'm'), 'the last line links the trace');
    const cliSpans = await eventually(async () => {
      const found = await phoenixSpans(project, traceId);
      return found.some((span) => span.name === 'research.request') ? found : undefined;
    }, 10_000, 'the CLI’s own request span in Phoenix');
    assert.deepEqual(cliSpans.filter((span) => span.parent_id === null).map((span) => span.name), ['research.request'], 'the CLI’s span is the root');
    assert.ok(cliSpans.some((span) => span.name === 'RunWorkflow:ResearchWorkflow'), 'the run is in the trace the link opens');
  });

  it('research-relay trace finds the run by its request id and draws it, totals matching the published usage', async () => {
    const json = await runCli(['trace', requestId, '--json'], { ...harness.env, PHOENIX_PROJECT_NAME: project });
    assert.equal(json.code, 0, json.stderr + json.stdout);
    const tree = JSON.parse(json.stdout) as { traceId: string; totals: { spans: number; llmCalls: number; totalTokens: number; costUsd: number }; spans: { name: string }[] };
    assert.equal(tree.traceId, traceId);
    assert.equal(tree.totals.spans, (await phoenixSpans(project, traceId)).length, 'every span Phoenix holds');
    assert.equal(tree.totals.llmCalls, 4);
    const [record] = await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === requestId);
    const usage = (JSON.parse(record?.value.toString() ?? '{}') as { usage: { total: { inputTokens: number; outputTokens: number; estimatedCostUsd: number } } }).usage.total;
    assert.equal(tree.totals.totalTokens, usage.inputTokens + usage.outputTokens, 'the waterfall counts each call once');
    assert.ok(Math.abs(tree.totals.costUsd - usage.estimatedCostUsd) < 1e-6);
    assert.deepEqual(tree.spans.map((span) => span.name), ['research.request'], 'one root: the request');
    const drawn = await runCli(['trace', requestId, '--width', '120'], { ...harness.env, PHOENIX_PROJECT_NAME: project });
    assert.equal(drawn.code, 0, drawn.stderr);
    assert.match(drawn.stdout, /^research\.request\s+│/m);
    assert.match(drawn.stdout, /^total: \d+ spans .* 4 LLM calls/m);
  });

  it('holds no prompt or completion text with content capture off', async () => {
    const [record] = await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === requestId);
    const event = JSON.parse(record?.value.toString() ?? '{}') as { report: { shortSummary: string }; searches: { query: string }[] };
    const text = JSON.stringify(spans);
    for (const content of [query.slice(0, 40), event.report.shortSummary.slice(0, 40), ...event.searches.map((search) => search.query.slice(0, 40))]) {
      assert.ok(content.length > 10 && !text.includes(content), `"${content}" is in no span`);
    }
    for (const span of spans) {
      for (const key of ['input.value', 'gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.system_instructions']) assert.equal(span.attributes[key], undefined, `${span.name} has no ${key}`);
    }
  });
});
