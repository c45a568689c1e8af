import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import { type StandInServer, startStandInServer } from '../../../dev/standIn';
import { ModelOutputInvalidError, ModelRefusedError } from '../../../src/errors';
import { callStructured } from '../../../src/llm/structuredResponse';
import { UsageMeter } from '../../../src/llm/usageMeter';
import { plannerPlan, plannerRequest } from '../../support/plannerRequest';

const Plan = plannerPlan;
type Body = Record<string, unknown>;

/**
 * Answers a server we did not write may send (a proxy, a half-compatible server): the stand-in's
 * answer, rewritten on its way to the SDK.
 */
describe('callStructured: answers that break the published shape', () => {
  let standIn: StandInServer;
  let rewrite: (body: Body) => Body = (body) => body;
  const rewritingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (!response.ok) return response;
    const body = rewrite((await response.json()) as Body);
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  const call = (api: 'responses' | 'chat-completions', meter = new UsageMeter()) =>
    callStructured(plannerRequest(new OpenAI({ baseURL: standIn.baseUrl, apiKey: 'sk-test', maxRetries: 0, fetch: rewritingFetch }), { api, meter }));

  before(async () => {
    standIn = await startStandInServer();
  });
  beforeEach(() => {
    standIn.resetCalls();
    rewrite = (body) => body;
  });
  after(() => standIn.stop());

  const noAnswer = (reason: string) => (error: unknown) =>
    error instanceof ModelOutputInvalidError && error.message === `planner: gpt-4.1 sent no answer to read (${reason})`;

  it('Chat Completions with no choice fails at once as ModelOutputInvalidError, not asked again', async () => {
    rewrite = (body) => ({ ...body, choices: [] });
    await assert.rejects(call('chat-completions'), noAnswer('no choice'));
    assert.equal(standIn.calls().length, 1);
  });

  it('Chat Completions with `choices: null` is the same, not a TypeError retried as unreachable', async () => {
    rewrite = (body) => ({ ...body, choices: null });
    await assert.rejects(call('chat-completions'), noAnswer('no choice'));
    assert.equal(standIn.calls().length, 1);
  });

  it('a tool call with no text (no tools were offered) is no answer', async () => {
    rewrite = (body) => ({ ...body, choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: null, tool_calls: [] }, finish_reason: 'tool_calls', logprobs: null }] });
    const meter = new UsageMeter();
    await assert.rejects(call('chat-completions', meter), noAnswer('finish_reason tool_calls'));
    assert.equal(meter.failedAttempts().calls, 1, 'its tokens are counted');
  });

  it('the Responses API with no output (the SDK cannot read it) fails at once as ModelOutputInvalidError, its prompt counted', async () => {
    rewrite = ({ output: _output, ...body }) => body;
    const meter = new UsageMeter();
    await assert.rejects(call('responses', meter), (error: unknown) => error instanceof ModelOutputInvalidError && /could not be read/.test(error.message));
    assert.equal(standIn.calls().length, 1);
    assert.equal(meter.failedAttempts().calls, 1);
    assert.ok(meter.failedAttempts().estimatedInputTokens > 0);
  });

  for (const api of ['chat-completions', 'responses'] as const) {
    it(`${api}: an answer with no usage is metered by estimate, so budgets still see it`, async () => {
      rewrite = (body) => ({ ...body, usage: null });
      const result = await call(api);
      assert.ok(result.value.searches.length >= 5);
      const [recorded] = standIn.calls();
      assert.ok(result.usage.inputTokens > 0 && result.usage.outputTokens > 0, JSON.stringify(result.usage));
      // The stand-in's own count is an estimate of the same kind: the two land close together.
      const reported = recorded?.usage?.outputTokens ?? 0;
      assert.ok(Math.abs(result.usage.outputTokens - reported) <= reported * 0.5 + 5, `${result.usage.outputTokens} vs ${reported}`);
    });
  }

  it("a prompt refused by the provider's content filter (HTTP 400, code content_filter, as Azure answers) is ModelRefusedError", async () => {
    const filtered: typeof fetch = () =>
      Promise.resolve(
        new Response(JSON.stringify({ error: { message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.", type: null, param: 'prompt', code: 'content_filter', status: 400 } }), {
          status: 400,
          headers: { 'content-type': 'application/json' },
        }),
      );
    await assert.rejects(
      callStructured({ client: new OpenAI({ baseURL: standIn.baseUrl, apiKey: 'sk-test', maxRetries: 0, fetch: filtered }), api: 'chat-completions', agent: 'planner', model: 'gpt-4.1', instructions: 'Plan.', input: 'x', schema: Plan, schemaName: 'research_plan', schemaAttempts: 3 }),
      (error: unknown) => error instanceof ModelRefusedError && error.reason === 'content_filter' && error.message === 'planner: the prompt to gpt-4.1 was stopped by its content filter',
    );
  });
});
