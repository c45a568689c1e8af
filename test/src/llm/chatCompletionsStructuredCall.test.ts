import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import { type StandInServer, startStandInServer } from '../../../dev/standIn';
import { ConfigurationError, ModelRequestError } from '../../../src/errors';
import { callStructured } from '../../../src/llm/structuredResponse';
import { UsageMeter } from '../../../src/llm/usageMeter';
import { plannerPlan, plannerRequest } from '../../support/plannerRequest';

const Plan = plannerPlan;

describe('callStructured with MODEL_API=chat-completions: one Chat Completions call with a strict json_schema', () => {
  let standIn: StandInServer;
  /** The JSON bodies the SDK sent, as they went on the wire. */
  const sent: Record<string, unknown>[] = [];
  const recordingFetch: typeof fetch = (input, init) => {
    if (typeof init?.body === 'string') sent.push(JSON.parse(init.body) as Record<string, unknown>);
    return fetch(input, init);
  };
  const client = (maxRetries = 0): OpenAI => new OpenAI({ baseURL: standIn.baseUrl, apiKey: 'sk-test', maxRetries, fetch: recordingFetch });

  before(async () => {
    standIn = await startStandInServer();
  });
  beforeEach(() => {
    standIn.resetCalls();
    standIn.setFaults({ rules: [] });
    sent.length = 0;
  });
  after(() => standIn.stop());

  const request = (openai: OpenAI, extra: { tokenLimitField?: 'max_completion_tokens' | 'max_tokens'; maxOutputTokens?: number; meter?: UsageMeter } = {}) =>
    callStructured(plannerRequest(openai, { api: 'chat-completions', schemaAttempts: 2, ...extra }));

  it('sends system and user messages with a strict json_schema response_format, and reads the answer and its usage', async () => {
    const meter = new UsageMeter();
    const result = await request(client(), { meter, maxOutputTokens: 2000 });

    assert.ok(result.value.searches.length >= 5);
    const [call] = standIn.calls();
    assert.equal(call?.path, '/v1/chat/completions');
    assert.deepEqual(result.usage, { model: 'gpt-4.1', inputTokens: call?.usage?.inputTokens, outputTokens: call?.usage?.outputTokens });
    assert.ok(result.usage.inputTokens > 0 && result.usage.outputTokens > 0);
    assert.match(result.responseId, /^chatcmpl-/);
    assert.deepEqual(result.output, []);
    const body = sent[0] ?? {};
    assert.deepEqual(body.messages, [
      { role: 'system', content: 'You are a research planner.' },
      { role: 'user', content: 'Heat pumps in cold climates' },
    ]);
    const format = body.response_format as { type: string; json_schema: { name: string; strict: boolean; schema: { type: string } } };
    assert.equal(format.type, 'json_schema');
    assert.equal(format.json_schema.name, 'research_plan');
    assert.equal(format.json_schema.strict, true);
    assert.equal(format.json_schema.schema.type, 'object');
    assert.equal(body.max_completion_tokens, 2000);
    assert.equal('max_tokens' in body, false);
    assert.equal('input' in body || 'text' in body || 'instructions' in body, false, 'no Responses fields');
    assert.deepEqual(meter.failedAttempts().calls, 0);
  });

  it('puts the allowance in max_tokens when MODEL_TOKEN_LIMIT_FIELD says so (older servers)', async () => {
    await request(client(), { tokenLimitField: 'max_tokens', maxOutputTokens: 3000 });

    assert.equal(sent[0]?.max_tokens, 3000);
    assert.equal('max_completion_tokens' in (sent[0] ?? {}), false);
    assert.equal(standIn.calls()[0]?.maxOutputTokens, 3000, 'the stand-in read the allowance from max_tokens');
  });

  it('a 429 is retried by the SDK, honouring Retry-After, and the call then succeeds', async () => {
    standIn.setFaults({ rules: [{ sequence: [{ kind: 'status', status: 429, retryAfterSeconds: 0.05 }] }] });

    const result = await request(client(2));

    assert.ok(result.value.searches.length >= 5);
    assert.deepEqual(
      standIn.calls().map((call) => call.status),
      [429, 200],
    );
  });

  it('a 400 is not retryable: a ModelRequestError with its status', async () => {
    standIn.setFaults({ rules: [{ sequence: [{ kind: 'status', status: 400 }] }] });

    await assert.rejects(request(client(2)), (error: unknown) => error instanceof ModelRequestError && error.status === 400 && !error.retryable);
    assert.equal(standIn.calls().length, 1);
  });

  it('an answer failing the schema is asked again, and its tokens are metered as spent', async () => {
    standIn.setFaults({ rules: [{ sequence: [{ kind: 'schemaViolation' }] }] });
    const meter = new UsageMeter();

    const result = await request(client(), { meter });

    assert.ok(result.value.searches.length >= 5);
    assert.equal(standIn.calls().length, 2);
    assert.equal(meter.failedAttempts().calls, 1);
    assert.equal(meter.failedAttempts().outputTokens, standIn.calls()[0]?.usage?.outputTokens);
  });

  it('hosted tools need the Responses API: a ConfigurationError, and no call is made', async () => {
    await assert.rejects(
      callStructured({
        client: client(),
        api: 'chat-completions',
        agent: 'searcher',
        model: 'gpt-4.1-mini',
        instructions: 'Search.',
        input: 'heat pumps',
        schema: Plan,
        schemaName: 'search_summary',
        schemaAttempts: 1,
        tools: [{ type: 'web_search' }],
      }),
      (error: unknown) => error instanceof ConfigurationError && /need MODEL_API=responses/.test(error.message),
    );
    assert.equal(standIn.calls().length, 0);
  });
});
