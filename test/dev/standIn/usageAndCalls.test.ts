import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI, { NotFoundError } from 'openai';
import { zodResponseFormat, zodTextFormat } from 'openai/helpers/zod';
import { type RecordedCall, type StandInServer, startStandInServer } from '../../../dev/standIn';
import { ReportData, SearchPlan } from './researchSchemas';

async function recordedOverHttp(standIn: StandInServer): Promise<RecordedCall[]> {
  const response = await fetch(new URL('/__standin/calls', standIn.baseUrl));
  assert.equal(response.status, 200);
  return (await response.json()) as RecordedCall[];
}

describe('usage and the call record', () => {
  let standIn: StandInServer;
  let client: OpenAI;

  before(async () => {
    standIn = await startStandInServer({ modelPrefix: 'gpt-' });
    client = new OpenAI({ baseURL: standIn.baseUrl, apiKey: 'sk-test', maxRetries: 0 });
  });

  beforeEach(() => standIn.resetCalls());

  after(async () => {
    await standIn.stop();
  });

  it('Responses usage is a 4-characters-per-token estimate and equals what GET /__standin/calls recorded', async () => {
    const input = 'Write a report on grid-scale storage economics.';
    const response = await client.responses.parse({
      model: 'gpt-4.1',
      instructions: 'You are a senior researcher.',
      input,
      text: { format: zodTextFormat(ReportData, 'report_data') },
    });

    const usage = response.usage;
    assert.ok(usage);
    assert.equal(usage.output_tokens, Math.ceil(response.output_text.length / 4));
    assert.ok(usage.input_tokens > Math.ceil(input.length / 4), 'instructions and schema count as input');
    assert.equal(usage.total_tokens, usage.input_tokens + usage.output_tokens);
    assert.equal(usage.input_tokens_details.cached_tokens, 0);
    assert.equal(usage.output_tokens_details.reasoning_tokens, 0);

    const [recorded] = await recordedOverHttp(standIn);
    assert.deepEqual(recorded?.usage, { inputTokens: usage.input_tokens, outputTokens: usage.output_tokens });
    assert.equal(recorded?.requestId, response._request_id);
    assert.equal(recorded?.formatName, 'report_data');
    assert.equal(recorded?.model, 'gpt-4.1');
    assert.equal(recorded?.path, '/v1/responses');
    assert.equal(recorded?.inputExcerpt, input);
    assert.equal(recorded?.seq, 1);
    assert.ok(Math.abs(Date.parse(recorded?.at ?? '') - Date.now()) < 5_000);
  });

  it('Chat usage uses prompt/completion token names and matches the record', async () => {
    const completion = await client.chat.completions.parse({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Plan searches on wildfire smoke and health.' }],
      response_format: zodResponseFormat(SearchPlan, 'search_plan'),
    });
    const usage = completion.usage;
    assert.ok(usage);
    assert.equal(usage.completion_tokens, Math.ceil((completion.choices[0]?.message.content ?? '').length / 4));
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
    assert.deepEqual(standIn.calls()[0]?.usage, { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens });
  });

  it('the input excerpt keeps the first 200 characters and DELETE /__standin/calls clears the record', async () => {
    const input = `${'long input about tidal energy '.repeat(20)}`;
    await client.responses.create({ model: 'gpt-4.1', input });
    assert.equal(standIn.calls()[0]?.inputExcerpt, input.slice(0, 200));

    const cleared = await fetch(new URL('/__standin/calls', standIn.baseUrl), { method: 'DELETE' });
    assert.equal(cleared.status, 200);
    assert.deepEqual(await recordedOverHttp(standIn), []);
  });

  it('a model outside the configured prefix is refused with 404 model_not_found, as the real API does', async () => {
    await assert.rejects(client.responses.create({ model: 'claude-x', input: 'hello' }), (error: unknown) => {
      assert.ok(error instanceof NotFoundError);
      assert.equal(error.code, 'model_not_found');
      return true;
    });
    assert.equal(standIn.calls()[0]?.status, 404);
  });

  it('GET /v1/models lists the served models, including ones requested so far', async () => {
    await client.responses.create({ model: 'gpt-research-special', input: 'hello' });
    const models = await client.models.list();
    const ids = models.data.map((model) => model.id);
    assert.ok(ids.includes('gpt-4.1'));
    assert.ok(ids.includes('gpt-research-special'));
    assert.ok(ids.every((id) => id.startsWith('gpt-')), 'only models under the prefix');
  });

  it('every answer carries an x-request-id header, whatever the API key or none at all', async () => {
    const anyKey = new OpenAI({ baseURL: standIn.baseUrl, apiKey: 'anything-goes', maxRetries: 0 });
    const { data, response, request_id } = await anyKey.responses
      .create({ model: 'gpt-4.1', input: 'ocean acidification' })
      .withResponse();
    assert.match(response.headers.get('x-request-id') ?? '', /^req_[0-9a-f]{32}$/);
    assert.equal(request_id, response.headers.get('x-request-id'));
    assert.equal(data.status, 'completed');

    const keyless = await fetch(`${standIn.baseUrl}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4.1', input: 'ocean acidification' }),
    });
    assert.equal(keyless.status, 200);
    assert.match(keyless.headers.get('x-request-id') ?? '', /^req_/);
  });
});
