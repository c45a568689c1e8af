import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { type LlamaServer, startLlamaServer, tinyModelAlias } from '../../../dev/llamaServer';
import { researchCompletedSchema, type ResearchCompleted } from '../../../src/contracts/researchCompleted';
import type { Telemetry } from '../../../src/telemetry/telemetry';
import { eventually } from '../../support/eventually';
import type { PipelineHarness } from '../../support/pipelineHarness';
import { phoenixSpans, startPhoenixTelemetry, type PhoenixSpan } from '../../support/phoenixBackend';
import { tearDown } from '../../support/teardown';

// Tracing must start before kafkajs is loaded: everything that loads kafkajs is imported
// dynamically, after startTelemetry().
const project = `relay-llama-${process.pid}-${Date.now().toString(36)}`;
const requestId = `llama-run-${process.pid}-${Date.now().toString(36)}`;

/**
 * A whole run against a model server we did not write: llama.cpp's llama-server (built from the
 * source PyPI ships, serving the tiny model the project writes), with MODEL_API=chat-completions,
 * on the real Kafka and Temporal, its spans read back from Phoenix.
 */
describe('a research run on llama.cpp’s llama-server (MODEL_API=chat-completions)', () => {
  let telemetry: Telemetry;
  let llama: LlamaServer;
  let harness: PipelineHarness;
  let event: ResearchCompleted;
  let spans: PhoenixSpan[];

  before(async () => {
    telemetry = await startPhoenixTelemetry(project);
    llama = await startLlamaServer();
    const { PipelineHarness } = await import('../../support/pipelineHarness.js');
    harness = await PipelineHarness.start({
      env: { MODEL_API: 'chat-completions', OPENAI_BASE_URL: llama.baseUrl, PLANNER_MODEL: tinyModelAlias, SEARCHER_MODEL: tinyModelAlias, WRITER_MODEL: tinyModelAlias },
    });
    await harness.request(requestId, 'How do Kafka consumer groups share the partitions of a topic?', { maxSearches: 2 });
    const [record] = await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === requestId);
    event = researchCompletedSchema.parse(JSON.parse(record?.value.toString() ?? ''));
    spans = await eventually(async () => {
      await telemetry.flush();
      const found = await phoenixSpans(project, event.traceId);
      return found.some((span) => span.name === 'research.publish') && found.filter((span) => span.span_kind === 'LLM').length >= 3 ? found : undefined;
    }, 60_000, `the run's spans in Phoenix project ${project}`);
  });
  after(() =>
    tearDown(
      () => harness?.close(),
      () => llama?.stop(),
      () => telemetry?.shutdown(),
    ),
  );

  it('completes, every agent answered by llama-server and none by the stand-in', (t) => {
    assert.equal(harness.standIn.calls().length, 0, 'the stand-in was not called');
    assert.deepEqual(event.models, { planner: tinyModelAlias, searcher: tinyModelAlias, writer: tinyModelAlias });
    assert.ok(event.searches.length >= 1 && event.searches.length <= 2);
    assert.ok(event.report.markdownReport.length > 0 && event.report.shortSummary.length > 0);
    t.diagnostic(`result: ${JSON.stringify({ models: event.models, searches: event.searches.length, usage: event.usage.total, traceId: event.traceId })}`);
  });

  it('carries the token counts llama-server’s tokenizer reported, the same in the event and in Phoenix', (t) => {
    const llm = spans.filter((span) => span.span_kind === 'LLM');
    assert.equal(llm.length, 1 + event.searches.length + 1, 'planner, each searcher, writer');
    for (const span of llm) {
      assert.equal(span.attributes['llm.model_name'], tinyModelAlias, `${span.name}: the model llama-server named`);
      assert.ok(Number(span.attributes['llm.token_count.prompt']) > 0 && Number(span.attributes['llm.token_count.completion']) > 0, `${span.name} has token counts`);
    }
    const prompt = llm.reduce((sum, span) => sum + Number(span.attributes['llm.token_count.prompt']), 0);
    const completion = llm.reduce((sum, span) => sum + Number(span.attributes['llm.token_count.completion']), 0);
    assert.equal(event.usage.total.inputTokens, prompt, 'input tokens: the event and the spans agree');
    assert.equal(event.usage.total.outputTokens, completion, 'output tokens: the event and the spans agree');
    assert.equal(event.usage.total.failedAttempts, undefined, 'every answer was used: nothing estimated or wasted');
    t.diagnostic(`phoenix: trace ${event.traceId} in project ${project}; ${llm.length} LLM spans, ${prompt} prompt + ${completion} completion tokens`);
  });

  it('a cut answer from llama-server (finish_reason length) fails with ModelOutputTruncatedError', async () => {
    const { callStructured } = await import('../../../src/llm/structuredResponse.js');
    const { researchPlanSchema } = await import('../../../activities/plannerAgent.js');
    const { ModelOutputTruncatedError } = await import('../../../src/errors.js');
    const client = new OpenAI({ baseURL: llama.baseUrl, apiKey: 'no-key', maxRetries: 0 });
    await assert.rejects(
      callStructured({ client, api: 'chat-completions', agent: 'planner', model: tinyModelAlias, instructions: 'Plan.', input: 'Kafka', schema: researchPlanSchema, schemaName: 'research_plan', schemaAttempts: 2, maxOutputTokens: 5 }),
      (error: unknown) => error instanceof ModelOutputTruncatedError && error.reason === 'length' && /after 5 output tokens/.test(error.message),
    );
  });
});
