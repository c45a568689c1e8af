import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import OpenAI from 'openai';
import { type FaultPlan, type StandInServer, startStandInServer } from '../../../dev/standIn';
import { ModelOutputInvalidError, ModelOutputTruncatedError, ModelRefusedError } from '../../../src/errors';
import { callStructured } from '../../../src/llm/structuredResponse';
import { UsageMeter } from '../../../src/llm/usageMeter';
import { plannerRequest } from '../../support/plannerRequest';

/** What the stand-in's refusing model says (dev/standIn/answerEnding.ts). */
const refusalWords = "can't help";

// One tracer provider for the file: the global one can be set only once.
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
after(() => provider.shutdown());

/** Each API's words for an answer cut at its allowance, and the path the stand-in was called on. */
const apis = [
  { api: 'responses', cutReason: 'max_output_tokens', path: '/v1/responses' },
  { api: 'chat-completions', cutReason: 'length', path: '/v1/chat/completions' },
] as const;

for (const { api, cutReason, path } of apis)
describe(`callStructured (${api}): an answer cut short or refused fails at once, with an error of its own`, () => {
  let standIn: StandInServer;
  let client: OpenAI;
  before(async () => {
    standIn = await startStandInServer();
    client = new OpenAI({ baseURL: standIn.baseUrl, apiKey: 'sk-test', maxRetries: 0 });
  });

  beforeEach(() => {
    standIn.resetCalls();
    exporter.reset();
  });

  after(async () => {
    await standIn.stop();
  });

  const call = (faults: FaultPlan, meter: UsageMeter, maxOutputTokens?: number) => {
    standIn.setFaults(faults);
    return callStructured(plannerRequest(client, { api, meter, ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }) }));
  };
  const every = (kind: 'incomplete' | 'refusal' | 'content-filter'): FaultPlan => ({ rules: [{ sequence: [{ kind }], repeat: true }] });

  it(`an answer cut at its allowance (${cutReason}) throws ModelOutputTruncatedError after one call, its tokens in the meter`, async () => {
    const meter = new UsageMeter();
    const error = await call(every('incomplete'), meter, 50).then(
      () => assert.fail('expected a failure'),
      (caught: unknown) => caught,
    );

    assert.ok(error instanceof ModelOutputTruncatedError, String(error));
    assert.equal(error.name, 'ModelOutputTruncatedError');
    assert.equal(error.retryable, false);
    assert.equal(error.agent, 'planner');
    assert.equal(error.model, 'gpt-4.1');
    assert.equal(error.maxOutputTokens, 50);
    assert.equal(error.reason, cutReason);
    assert.match(error.message, new RegExp(`cut short \\(${cutReason}\\) after 50 output tokens, with an output allowance of 50 tokens`));
    const calls = standIn.calls();
    assert.equal(calls.length, 1, 'asked once, not schemaAttempts times');
    assert.equal(calls[0]?.path, path);
    assert.equal(calls[0]?.maxOutputTokens, 50, 'the allowance was sent');
    assert.deepEqual(exporter.getFinishedSpans()[0]?.attributes['gen_ai.response.finish_reasons'], ['length']);
    assert.deepEqual(meter.failedAttempts(), { calls: 1, inputTokens: calls[0]?.usage?.inputTokens, outputTokens: 50, estimatedInputTokens: 0 });
  });

  it('an answer the stand-in cuts at a too-small allowance (no fault) is truncated the same way', async () => {
    const meter = new UsageMeter();
    await assert.rejects(call({ rules: [] }, meter, 10), (error: unknown) => error instanceof ModelOutputTruncatedError && error.maxOutputTokens === 10);
    assert.equal(standIn.calls().length, 1);
    assert.equal(meter.failedAttempts().outputTokens, 10);
  });

  it('a refusal throws ModelRefusedError after one call; the refusal text is in neither the message nor the span', async () => {
    const meter = new UsageMeter();
    const error = await call(every('refusal'), meter).then(
      () => assert.fail('expected a failure'),
      (caught: unknown) => caught,
    );

    assert.ok(error instanceof ModelRefusedError, String(error));
    assert.equal(error.name, 'ModelRefusedError');
    assert.equal(error.retryable, false);
    assert.equal(error.reason, 'refusal');
    assert.equal(error.message, 'planner: gpt-4.1 refused to answer');
    assert.equal(standIn.calls().length, 1, 'asked once');
    assert.equal(meter.failedAttempts().calls, 1);
    assert.ok(meter.failedAttempts().outputTokens > 0);
    const spans = exporter.getFinishedSpans();
    assert.equal(spans.length, 1);
    assert.deepEqual(spans[0]?.attributes['gen_ai.response.finish_reasons'], ['refusal']);
    assert.ok(!JSON.stringify(spans[0]?.attributes).includes(refusalWords), 'content capture is off: no refusal text on the span');
  });

  it('an answer stopped by the content filter throws ModelRefusedError (content_filter), the span says content_filter', async () => {
    const meter = new UsageMeter();
    await assert.rejects(
      call(every('content-filter'), meter),
      (error: unknown) => error instanceof ModelRefusedError && error.reason === 'content_filter' && error.message === 'planner: the answer of gpt-4.1 was stopped by its content filter',
    );
    assert.equal(standIn.calls().length, 1);
    assert.equal(meter.failedAttempts().calls, 1);
    assert.deepEqual(exporter.getFinishedSpans()[0]?.attributes['gen_ai.response.finish_reasons'], ['content_filter']);
  });

  it('a malformed answer is still asked again schemaAttempts times (unchanged)', async () => {
    const meter = new UsageMeter();
    await assert.rejects(call({ rules: [{ sequence: [{ kind: 'malformed' }], repeat: true }] }, meter), ModelOutputInvalidError);
    assert.equal(standIn.calls().length, 3);
  });
});
