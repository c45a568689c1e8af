import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIUserAbortError,
  BadRequestError,
  InternalServerError,
  RateLimitError,
} from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { FaultPlanError, type StandInServer, startStandInServer } from '../../../dev/standIn';
import { SearchPlan } from './researchSchemas';

const planRequest = (input = 'Heat pumps in cold climates') => ({
  model: 'gpt-4.1',
  instructions: 'You are a research planner.',
  input,
  text: { format: zodTextFormat(SearchPlan, 'search_plan') },
});

describe('fault injection drives the SDK through its failure paths', () => {
  let standIn: StandInServer;

  before(async () => {
    standIn = await startStandInServer();
  });

  beforeEach(() => {
    standIn.setFaults({ rules: [] });
    standIn.resetCalls();
  });

  after(async () => {
    await standIn.stop();
  });

  it('a 429 with retry-after is retried after the advertised wait and then succeeds', async () => {
    standIn.setFaults({ rules: [{ sequence: [{ kind: 'status', status: 429, retryAfterSeconds: 0.05 }] }] });
    const client = new OpenAI({ baseURL: standIn.baseUrl, apiKey: 'sk-test', maxRetries: 2 });

    const response = await client.responses.parse(planRequest());

    assert.equal(SearchPlan.parse(response.output_parsed).searches.length, 5);
    const calls = standIn.calls();
    assert.deepEqual(
      calls.map((call) => [call.fault, call.status]),
      [['status', 429], [undefined, 200]],
    );
    // The SDK's own backoff for a first retry is 375-500 ms; a shorter gap proves it obeyed the header.
    const gap = Date.parse(calls[1]?.at ?? '') - Date.parse(calls[0]?.at ?? '');
    assert.ok(gap >= 40 && gap < 350, `retry came after ${gap} ms`);
  });

  it('a 429 without retries left surfaces as RateLimitError with the OpenAI error body', async () => {
    standIn.setFaults({ rules: [{ sequence: [{ kind: 'status', status: 429, message: 'slow down' }] }] });
    const client = new OpenAI({ baseURL: standIn.baseUrl, apiKey: 'sk-test', maxRetries: 0 });

    const error = await client.responses.parse(planRequest()).then(
      () => assert.fail('expected a rate limit'),
      (caught: unknown) => caught,
    );

    assert.ok(error instanceof RateLimitError, `got ${String(error)}`);
    assert.equal(error.status, 429);
    assert.equal(error.code, 'rate_limit_exceeded');
    assert.equal(error.message, '429 slow down');
    assert.match(error.requestID ?? '', /^req_/);
  });

  it('two 500s then success: the SDK retries twice and the third call answers', async () => {
    standIn.setFaults({
      rules: [
        {
          sequence: [
            { kind: 'status', status: 500, retryAfterSeconds: 0 },
            { kind: 'status', status: 500, retryAfterSeconds: 0 },
          ],
        },
      ],
    });
    const client = new OpenAI({ baseURL: standIn.baseUrl, apiKey: 'sk-test', maxRetries: 2 });

    const response = await client.responses.parse(planRequest());

    assert.ok(response.output_parsed);
    assert.deepEqual(
      standIn.calls().map((call) => call.status),
      [500, 500, 200],
    );
  });

  it('a 500 past the retry budget surfaces as InternalServerError', async () => {
    standIn.setFaults({ rules: [{ sequence: [{ kind: 'status', status: 500, retryAfterSeconds: 0 }], repeat: true }] });
    const client = new OpenAI({ baseURL: standIn.baseUrl, apiKey: 'sk-test', maxRetries: 1 });

    await assert.rejects(client.responses.parse(planRequest()), InternalServerError);
    assert.equal(standIn.calls().length, 2, 'one call plus one retry');
  });

  it('a delay longer than the client timeout ends in APIConnectionTimeoutError without retries', async () => {
    standIn.setFaults({ rules: [{ sequence: [{ kind: 'delay', ms: 5_000 }] }] });
    const client = new OpenAI({ baseURL: standIn.baseUrl, apiKey: 'sk-test', maxRetries: 0, timeout: 150 });

    const started = Date.now();
    await assert.rejects(client.responses.parse(planRequest()), APIConnectionTimeoutError);

    assert.ok(Date.now() - started < 2_000, 'the client gave up at its timeout, not after the delay');
    assert.equal(standIn.calls()[0]?.fault, 'delay');
  });

  it('a delayed call does not hold up other calls, and its abandonment is recorded as 499', async () => {
    standIn.setFaults({ rules: [{ match: { inputIncludes: 'slow lane' }, sequence: [{ kind: 'delay', ms: 10_000 }] }] });
    const client = new OpenAI({ baseURL: standIn.baseUrl, apiKey: 'sk-test', maxRetries: 0 });
    const abort = new AbortController();

    const slow = client.responses.create({ model: 'gpt-4.1', input: 'the slow lane' }, { signal: abort.signal });
    const slowOutcome = slow.then(
      () => 'answered',
      (error: unknown) => error,
    );
    const started = Date.now();
    const fast = await client.responses.create({ model: 'gpt-4.1', input: 'the fast lane' });
    assert.ok(Date.now() - started < 1_000, 'the fast call waited for the slow one');
    assert.ok(fast.output_text.length > 0);

    abort.abort();
    assert.ok((await slowOutcome) instanceof APIUserAbortError);
    // The server notices the closed connection asynchronously.
    for (let i = 0; i < 50 && standIn.calls().find((call) => call.fault === 'delay')?.status !== 499; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const slowCall = standIn.calls().find((call) => call.inputExcerpt === 'the slow lane');
    assert.equal(slowCall?.status, 499);
    assert.equal(slowCall?.fault, 'delay');
  });

  it('malformed output makes responses.parse throw the SDK\'s SyntaxError for invalid structured JSON', async () => {
    standIn.setFaults({ rules: [{ sequence: [{ kind: 'malformed' }] }] });
    const client = new OpenAI({ baseURL: standIn.baseUrl, apiKey: 'sk-test', maxRetries: 0 });

    await assert.rejects(client.responses.parse(planRequest()), (error: unknown) => {
      assert.ok(error instanceof SyntaxError, `got ${String(error)}`);
      assert.equal(error.message, 'Error reading response: invalid structured output JSON.');
      return true;
    });
    assert.equal(standIn.calls()[0]?.status, 200);
    assert.equal(standIn.calls()[0]?.fault, 'malformed');
  });

  it('a schema violation is valid JSON that fails zod validation with the missing field named', async () => {
    standIn.setFaults({ rules: [{ sequence: [{ kind: 'schemaViolation' }] }] });
    const client = new OpenAI({ baseURL: standIn.baseUrl, apiKey: 'sk-test', maxRetries: 0 });

    await assert.rejects(client.responses.parse(planRequest()), (error: unknown) => {
      assert.ok(error instanceof z.ZodError, `got ${String(error)}`);
      assert.deepEqual(error.issues[0]?.path, ['searches']);
      return true;
    });
    // The raw text is still JSON: the fault is in the content, not the syntax.
    const raw = await client.responses.create(planRequest());
    assert.ok(JSON.parse(raw.output_text) as unknown, 'second call is normal again');
  });

  it('rules match by path, model, format name and input, and only the first matching rule counts', async () => {
    standIn.setFaults({
      rules: [
        { match: { path: '/v1/chat/completions' }, sequence: [{ kind: 'status', status: 503 }], repeat: true },
        { match: { model: 'gpt-4o', formatName: 'search_plan' }, sequence: [{ kind: 'status', status: 400 }] },
        { match: { inputIncludes: 'cursed' }, sequence: [{ kind: 'ok' }, { kind: 'status', status: 502 }] },
      ],
    });
    const client = new OpenAI({ baseURL: standIn.baseUrl, apiKey: 'sk-test', maxRetries: 0 });

    const chat = client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] });
    await assert.rejects(chat, InternalServerError);
    await assert.rejects(client.responses.parse({ ...planRequest(), model: 'gpt-4o' }), BadRequestError);
    const fine = await client.responses.parse({ ...planRequest(), model: 'gpt-4o' });
    assert.ok(fine.output_parsed, 'the 400 rule was used up');
    await client.responses.create({ model: 'gpt-4.1', input: 'a cursed topic' });
    await assert.rejects(client.responses.create({ model: 'gpt-4.1', input: 'a cursed topic' }), InternalServerError);
    await client.responses.create({ model: 'gpt-4.1', input: 'a cursed topic' });

    assert.deepEqual(
      standIn.calls().map((call) => [call.status, call.fault ?? null]),
      [[503, 'status'], [400, 'status'], [200, null], [200, 'ok'], [502, 'status'], [200, null]],
    );
  });

  it('an invalid fault plan is refused with every problem listed', () => {
    assert.throws(
      () => standIn.setFaults({ rules: [{ sequence: [{ kind: 'status', status: 200 }] }] }),
      (error: unknown) => error instanceof FaultPlanError && error.problems.some((problem) => problem.includes('status')),
    );
  });
});

describe('stopping the stand-in', () => {
  it('stop() cancels pending delays and closes open connections promptly, and a second stop() is harmless', async () => {
    const standIn = await startStandInServer({ faults: { rules: [{ sequence: [{ kind: 'delay', ms: 30_000 }] }] } });
    const client = new OpenAI({ baseURL: standIn.baseUrl, apiKey: 'sk-test', maxRetries: 0 });
    const pending = client.responses.create({ model: 'gpt-4.1', input: 'never answered' }).then(
      () => 'answered',
      (error: unknown) => error,
    );
    while (standIn.calls().length === 0) await new Promise((resolve) => setTimeout(resolve, 5));

    const started = Date.now();
    await Promise.all([standIn.stop(), standIn.stop()]);
    assert.ok(Date.now() - started < 1_000, `stop took ${Date.now() - started} ms`);
    assert.ok((await pending) instanceof APIConnectionError, 'the client saw its connection close');
    assert.equal(standIn.calls()[0]?.status, 499);
    await standIn.stop();
  });
});
