import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import { zodResponseFormat, zodTextFormat } from 'openai/helpers/zod';
import type { ResponseOutputMessage } from 'openai/resources/responses/responses';
import { type StandInServer, startStandInServer } from '../../../dev/standIn';
import { ReportData, SearchPlan } from './researchSchemas';

const planRequest = (extra: { max_output_tokens?: number } = {}) => ({
  model: 'gpt-4.1',
  instructions: 'You are a research planner.',
  input: 'Heat pumps in cold climates',
  text: { format: zodTextFormat(SearchPlan, 'search_plan') },
  ...extra,
});

/** The one message of an answer, with exactly the fields `ResponseOutputMessage` declares (phase is optional). */
function onlyMessage(response: OpenAI.Responses.Response): ResponseOutputMessage {
  const messages = response.output.filter((item): item is ResponseOutputMessage => item.type === 'message');
  assert.equal(messages.length, 1);
  const message = messages[0]!;
  assert.deepEqual(Object.keys(message).sort(), ['content', 'id', 'role', 'status', 'type']);
  assert.equal(message.role, 'assistant');
  assert.match(message.id, /^msg_/);
  return message;
}

describe('the stand-in answers incomplete and refused, as the Responses API does', () => {
  let standIn: StandInServer;
  let client: OpenAI;

  before(async () => {
    standIn = await startStandInServer();
    client = new OpenAI({ baseURL: standIn.baseUrl, apiKey: 'sk-test', maxRetries: 0 });
  });

  beforeEach(() => {
    standIn.setFaults({ rules: [] });
    standIn.resetCalls();
  });

  after(async () => {
    await standIn.stop();
  });

  it('an incomplete fault is cut at max_output_tokens: status incomplete, cut text, the allowance as output tokens', async () => {
    standIn.setFaults({ rules: [{ sequence: [{ kind: 'incomplete' }] }] });
    const response = await client.responses.create(planRequest({ max_output_tokens: 40 }));

    assert.equal(response.status, 'incomplete');
    assert.deepEqual(response.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(response.completed_at, null, 'completed_at is only present for a completed response');
    assert.equal(response.max_output_tokens, 40);
    assert.equal(response.usage?.output_tokens, 40);
    assert.equal(response.usage?.total_tokens, (response.usage?.input_tokens ?? 0) + 40);
    const message = onlyMessage(response);
    assert.equal(message.status, 'incomplete');
    const [part] = message.content;
    assert.equal(part?.type, 'output_text');
    assert.ok(response.output_text.length > 0 && response.output_text.length <= 160, `cut to ${response.output_text.length} characters`);
    assert.throws(() => JSON.parse(response.output_text) as unknown, SyntaxError, 'the cut JSON does not parse');
    assert.deepEqual(
      standIn.calls().map((call) => [call.fault, call.status, call.maxOutputTokens, call.usage?.outputTokens]),
      [['incomplete', 200, 40, 40]],
    );
  });

  it('an incomplete fault without an allowance is still cut, and parse() leaves it unparsed', async () => {
    standIn.setFaults({ rules: [{ sequence: [{ kind: 'incomplete' }] }] });
    const response = await client.responses.parse(planRequest());

    assert.equal(response.status, 'incomplete');
    assert.equal(response.incomplete_details?.reason, 'max_output_tokens');
    assert.equal(response.output_parsed, null);
    assert.ok(response.output_text.length > 0);
    assert.equal(response.usage?.output_tokens, Math.ceil(response.output_text.length / 4));
  });

  it('a refusal fault is a completed message whose one part is a refusal: output_text reads as empty', async () => {
    standIn.setFaults({ rules: [{ sequence: [{ kind: 'refusal' }] }] });
    const response = await client.responses.parse(planRequest());

    assert.equal(response.status, 'completed');
    assert.equal(response.incomplete_details, null);
    assert.equal(typeof response.completed_at, 'number');
    const message = onlyMessage(response);
    assert.equal(message.status, 'completed');
    assert.equal(message.content.length, 1);
    const [part] = message.content;
    assert.equal(part?.type, 'refusal');
    assert.deepEqual(Object.keys(part).sort(), ['refusal', 'type']);
    assert.ok(part.type === 'refusal' && part.refusal.length > 0);
    assert.equal(response.output_text, '');
    assert.equal(response.output_parsed, null);
    assert.ok((response.usage?.output_tokens ?? 0) > 0);
    assert.equal(standIn.calls()[0]?.fault, 'refusal');
  });

  it('a content-filter fault is incomplete for content_filter, its text cut', async () => {
    standIn.setFaults({ rules: [{ sequence: [{ kind: 'content-filter' }] }] });
    const response = await client.responses.create(planRequest());

    assert.equal(response.status, 'incomplete');
    assert.deepEqual(response.incomplete_details, { reason: 'content_filter' });
    assert.equal(response.completed_at, null);
    assert.equal(onlyMessage(response).status, 'incomplete');
    assert.ok(response.output_text.length > 0);
    assert.throws(() => JSON.parse(response.output_text) as unknown, SyntaxError);
    assert.equal(standIn.calls()[0]?.fault, 'content-filter');
  });

  it('without a fault, an answer longer than max_output_tokens comes back incomplete at the allowance', async () => {
    const full = await client.responses.create(planRequest());
    assert.equal(full.status, 'completed');
    const fullTokens = full.usage?.output_tokens ?? 0;
    assert.ok(fullTokens > 20, `the full answer is ${fullTokens} tokens`);

    const cut = await client.responses.create(planRequest({ max_output_tokens: 20 }));
    assert.equal(cut.status, 'incomplete');
    assert.equal(cut.incomplete_details?.reason, 'max_output_tokens');
    assert.equal(cut.usage?.output_tokens, 20);
    assert.equal(cut.output_text, full.output_text.slice(0, 80), 'the same answer, cut where the allowance ends');

    const roomy = await client.responses.create(planRequest({ max_output_tokens: fullTokens }));
    assert.equal(roomy.status, 'completed', 'an answer that fits its allowance completes');
    assert.equal(roomy.output_text, full.output_text);
  });

  it('Chat Completions reports the same endings: length, content_filter and message.refusal', async () => {
    standIn.setFaults({ rules: [{ sequence: [{ kind: 'incomplete' }, { kind: 'content-filter' }, { kind: 'refusal' }] }] });
    const body = {
      model: 'gpt-4.1',
      messages: [{ role: 'user' as const, content: 'Write a report on heat pumps.' }],
      response_format: zodResponseFormat(ReportData, 'report'),
    };
    const length = await client.chat.completions.create(body);
    const filtered = await client.chat.completions.create(body);
    const refused = await client.chat.completions.create(body);

    assert.equal(length.choices[0]?.finish_reason, 'length');
    assert.equal(filtered.choices[0]?.finish_reason, 'content_filter');
    assert.equal(refused.choices[0]?.finish_reason, 'stop');
    assert.equal(refused.choices[0]?.message.content, null);
    assert.ok((refused.choices[0]?.message.refusal ?? '').length > 0);
  });
});
