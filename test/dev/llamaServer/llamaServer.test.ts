import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import type { z } from 'zod';
import { plannerInput, plannerInstructions, researchPlanSchema } from '../../../activities/plannerAgent';
import { searcherInput, searcherInstructions, searchSummarySchema } from '../../../activities/searcherAgent';
import { researchReportDraftSchema, writerInput, writerInstructions } from '../../../activities/writerAgent';
import { startLlamaServer, type LlamaServer } from '../../../dev/llamaServer';
import { tearDown } from '../../support/teardown';

/*
 * llama.cpp's llama-server (built from the llama-cpp-python source package, see dev/llamaServer)
 * serving the project's tiny shaped model: a real third-party OpenAI-compatible server whose
 * grammar-constrained answers must satisfy the agents' own zod schemas through the openai SDK.
 */

interface AgentCall {
  readonly agent: string;
  readonly schema: z.ZodType;
  readonly name: string;
  readonly instructions: string;
  readonly input: string;
}

const agentCalls: readonly AgentCall[] = [
  {
    agent: 'planner',
    schema: researchPlanSchema,
    name: 'research_plan',
    instructions: plannerInstructions,
    input: plannerInput('How do heat pumps perform in cold climates?', 5),
  },
  {
    agent: 'searcher',
    schema: searchSummarySchema,
    name: 'search_summary',
    instructions: searcherInstructions,
    input: searcherInput('heat pump efficiency below -15 C', 'Cold-climate performance is the crux.', '[1] Field trials in Norway measured a seasonal COP of 2.9.'),
  },
  {
    agent: 'writer',
    schema: researchReportDraftSchema,
    name: 'research_report_draft',
    instructions: writerInstructions,
    input: writerInput('How do heat pumps perform in cold climates?', [{ query: 'heat pump efficiency below -15 C', summary: 'Seasonal COP of 2.9 in Norwegian field trials [1].' }]),
  },
];

describe('llama.cpp llama-server answering with the tiny model', () => {
  let server: LlamaServer | undefined;
  let client: OpenAI;

  // Builds llama-server when the cache has none (npm test builds it before the tests start, see
  // withInfra's --with-llama-server); a cold build takes minutes, so the hook gets up to the
  // per-file limit (test/support/testFileTimeLimit.ts) instead of --test-timeout.
  before(async () => {
    server = await startLlamaServer();
    client = new OpenAI({ baseURL: server.baseUrl, apiKey: 'sk-local-unused', maxRetries: 0, timeout: 60_000 });
  }, { timeout: Number(process.env.TEST_FILE_TIMEOUT_MS ?? 600_000) });

  after(() => tearDown(() => server?.stop()));

  for (const call of agentCalls) {
    it(`the ${call.agent}'s answer passes its zod schema, ends with stop and counts its real tokens`, async () => {
      const completion = await client.chat.completions.parse({
        model: server?.model ?? '',
        messages: [
          { role: 'system', content: call.instructions },
          { role: 'user', content: call.input },
        ],
        response_format: zodResponseFormat(call.schema, call.name),
      });
      const [choice] = completion.choices;
      assert.ok(choice, 'one choice');
      assert.equal(choice.finish_reason, 'stop');
      const content = choice.message.content ?? '';
      assert.equal(call.schema.safeParse(JSON.parse(content)).success, true, `schema-valid: ${content}`);
      assert.notEqual(choice.message.parsed, null);
      assert.equal(completion.model, server?.model);

      const usage = completion.usage;
      assert.ok(usage, 'usage is reported');
      // Byte-level vocabulary with a handful of merges: about one token per byte, both ways (plus
      // the end-of-text token the answer ends with).
      const promptBytes = Buffer.byteLength(call.instructions + call.input);
      const answerBytes = Buffer.byteLength(content);
      assert.ok(usage.prompt_tokens >= promptBytes / 2, `prompt_tokens ${usage.prompt_tokens} for ${promptBytes} bytes of prompt`);
      assert.ok(usage.completion_tokens >= answerBytes / 2 && usage.completion_tokens <= answerBytes + 1, `completion_tokens ${usage.completion_tokens} for ${answerBytes} bytes of answer`);
      assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
    });
  }

  it('an answer cut by max_completion_tokens ends with finish_reason length after exactly that many tokens', async () => {
    const [planner] = agentCalls;
    assert.ok(planner);
    const completion = await client.chat.completions.create({
      model: server?.model ?? '',
      messages: [{ role: 'user', content: planner.input }],
      response_format: zodResponseFormat(planner.schema, planner.name),
      max_completion_tokens: 5,
    });
    const [choice] = completion.choices;
    assert.equal(choice?.finish_reason, 'length');
    assert.equal(completion.usage?.completion_tokens, 5);
    assert.throws(() => JSON.parse(choice.message.content ?? ''), SyntaxError, 'a cut answer is not JSON');
  });
});
