import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FaultPlan } from '../../../dev/standIn';
import type { ResearchCompleted } from '../../../src/contracts/researchCompleted';
import type { Telemetry } from '../../../src/telemetry/telemetry';
import type { PipelineHarness } from '../../support/pipelineHarness';
import { eventually } from '../../support/eventually';
import { OtlpTraceReceiver, type ReceivedSpan } from '../../support/otlpTraceReceiver';
import { tearDown } from '../../support/teardown';

// Tracing must start before kafkajs is loaded: everything that loads kafkajs is imported
// dynamically, after startTelemetry().

/** Words of the request's question; the stand-in's planner and searchers repeat them (lower-cased). */
const questionMarkers = ['quorblax', 'zentrivia'];
/** A word only the model endpoint's error body carries. */
const errorBodyMarker = 'glimmerfax';
const query = 'How do Quorblax heat pumps perform in Zentrivia winters?';

/**
 * Searches run one at a time, so the faults land in order: the first search gets two answers that
 * are not JSON (and fails for good on its schema), the second an HTTP 400 whose body carries a
 * marker (and fails for good), the third succeeds, so the run completes.
 */
const faults: FaultPlan = {
  rules: [
    {
      match: { formatName: 'search_summary' },
      sequence: [{ kind: 'malformed' }, { kind: 'malformed' }, { kind: 'status', status: 400, message: `Upstream refused: ${errorBodyMarker} is not allowed here` }],
    },
  ],
};

/** Everything a span can carry that a backend shows: name, attributes, status, events, links. */
function spanText(span: ReceivedSpan): string {
  return JSON.stringify({ name: span.name, attributes: span.attributes, status: span.statusMessage, events: span.events, links: span.links }).toLowerCase();
}

describe('what spans carry: no prompt-derived text with content capture off, every billed token once (OTLP to a real receiver)', () => {
  let receiver: OtlpTraceReceiver;
  let telemetry: Telemetry;
  let harness: PipelineHarness;

  before(async () => {
    receiver = await OtlpTraceReceiver.start();
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.grpcEndpoint;
    process.env.OTEL_SERVICE_NAME = 'research-relay-content-test';
    delete process.env.OTEL_EXPORTER_OTLP_PROTOCOL;
    delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
    const { startTelemetry } = await import('../../../src/telemetry/telemetry.js');
    telemetry = startTelemetry();
    const { PipelineHarness } = await import('../../support/pipelineHarness.js');
    harness = await PipelineHarness.start({ faults, env: { SEARCH_CONCURRENCY: '1' } });
  });
  after(async () => {
    delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
    // Also after a failed before(): what never started is skipped, and the receiver still stops.
    await tearDown(
      () => harness?.close(),
      () => telemetry?.shutdown(),
      () => receiver?.stop(),
    );
  });

  /** Runs the faulty request and returns its completed event and every span of its trace. */
  async function researched(requestId: string, plan = faults): Promise<{ event: ResearchCompleted; spans: ReceivedSpan[] }> {
    harness.standIn.setFaults(plan);
    harness.standIn.resetCalls();
    await harness.request(requestId, query, { maxSearches: 3 });
    const [record] = await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === requestId);
    assert.ok(record);
    const event = JSON.parse(record.value.toString()) as ResearchCompleted;
    if (plan === faults) {
      const fired = harness.standIn.calls().map((call) => call.fault ?? 'none');
      assert.deepEqual(fired.filter((fault) => fault !== 'none'), ['malformed', 'malformed', 'status'], `the faults fired (${fired.join(', ')})`);
      assert.deepEqual(event.searches.map((search) => search.succeeded), [false, false, true], 'two searches failed, one succeeded');
    }
    const spans = await eventually(async () => {
      await telemetry.flush();
      const found = receiver.trace(event.traceId);
      const complete =
        found.some((span) => span.name === 'RunWorkflow:ResearchWorkflow') &&
        found.some((span) => span.name === 'research.publish') &&
        found.filter((span) => span.name === 'RunActivity:runSearch').length === 3;
      return complete ? found : undefined;
    }, 30_000, `the spans of ${requestId}`);
    return { event, spans };
  }

  it('with capture off, no span carries the question, a planned search, model output or an error body — in names, attributes, status, events or links', async () => {
    const { event, spans } = await researched('content-off');
    const forbidden = [...questionMarkers, errorBodyMarker, ...event.searches.map((search) => search.query.toLowerCase())];
    const leaks = spans.flatMap((span) => forbidden.filter((text) => spanText(span).includes(text)).map((text) => `${span.name}: ${text}`));
    assert.deepEqual(leaks, [], 'no prompt-derived text on any span');
    // The failures are still visible, by type and with a fixed description.
    const failedSearches = spans.filter((span) => span.name.startsWith('research.search #') && span.statusCode === 2);
    assert.deepEqual(failedSearches.map((span) => span.attributes['error.type']).sort(), ['ModelOutputInvalidError', 'ModelRequestError']);
    assert.ok(failedSearches.every((span) => span.statusMessage.length > 0), 'a fixed description stands in for the message');
    const llmSpans = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'chat');
    assert.ok(llmSpans.length >= 5, `planner, two rejected answers, the refused call, a searcher and the writer (${llmSpans.length})`);
    assert.ok(llmSpans.every((span) => span.attributes['gen_ai.request.model']), 'non-content attributes stay');
  });

  it('the LLM spans of a run with rejected answers and failed searches add up to the usage it publishes, each call counted once', async () => {
    const { event, spans } = await researched('span-usage');
    const llmSpans = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'chat');
    const tokens = (key: string): number => llmSpans.reduce((sum, span) => sum + Number(span.attributes[key] ?? 0), 0);
    const billed = harness.standIn.calls().reduce((sum, call) => sum + (call.usage?.inputTokens ?? 0), 0);
    assert.equal(tokens('gen_ai.usage.input_tokens') + tokens('research_relay.llm.estimated_input_tokens'), event.usage.total.inputTokens);
    assert.equal(tokens('gen_ai.usage.output_tokens'), event.usage.total.outputTokens);
    assert.equal(event.usage.total.inputTokens, billed, 'what the stand-in billed, the failed search’s two answers included');
    assert.equal(event.usage.total.failedAttempts?.calls, 2, 'the failed search’s two rejected answers (the refused call billed nothing)');
  });

  it('a call its client abandoned (timeout) puts its estimated prompt on its LLM span, and the spans still add up to the published usage', async () => {
    // The writer's first HTTP attempt answers after the SDK's 5 s timeout; the SDK's retry succeeds.
    const { event, spans } = await researched('span-abandoned', { rules: [{ match: { formatName: 'research_report' }, sequence: [{ kind: 'delay', ms: 8000 }] }] });
    const abandoned = harness.standIn.calls().find((call) => call.formatName === 'research_report' && call.status === 499);
    assert.ok(abandoned?.usage, 'the first writer call was abandoned');
    const writerSpan = spans.find((span) => span.attributes['gen_ai.operation.name'] === 'chat' && receiver.ancestry(span).includes('research.write'));
    assert.equal(writerSpan?.attributes['research_relay.llm.abandoned_attempts'], 1);
    assert.equal(writerSpan?.attributes['research_relay.llm.estimated_input_tokens'], abandoned.usage.inputTokens);
    const llmSpans = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'chat');
    const tokens = (key: string): number => llmSpans.reduce((sum, span) => sum + Number(span.attributes[key] ?? 0), 0);
    assert.equal(tokens('gen_ai.usage.input_tokens') + tokens('research_relay.llm.estimated_input_tokens'), event.usage.total.inputTokens);
  });

  it('with capture on, the same run shows the question, its searches and the error body (the check above can see them)', async () => {
    process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'true';
    try {
      const { event, spans } = await researched('content-on');
      const all = spans.map(spanText).join('\n');
      for (const text of [...questionMarkers, errorBodyMarker]) assert.ok(all.includes(text), `${text} is recorded with capture on`);
      const searchSpan = spans.find((span) => span.name === 'research.search #3');
      assert.equal(searchSpan?.attributes['research.search.query'], event.searches[2]?.query, 'a search span names its query');
    } finally {
      delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
    }
  });
});
