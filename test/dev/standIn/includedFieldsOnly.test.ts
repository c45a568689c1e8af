import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { zodResponseFormat, zodTextFormat } from 'openai/helpers/zod';
import type { Response, ResponseIncludable, ResponseOutputItem } from 'openai/resources/responses/responses';
import { type FaultPlan, type StandInServer, startStandInServer } from '../../../dev/standIn';
import { SearchSummary } from './researchSchemas';

/** A field's values in an answer's output items, or in the request echo: empty when the field is absent or empty. */
type FieldReader = (output: readonly ResponseOutputItem[]) => unknown[];

const valuesOf = (items: readonly unknown[], key: string): unknown[] =>
  items.flatMap((item) => {
    const value = typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[key] : undefined;
    return value === undefined || value === null || (Array.isArray(value) && value.length === 0) ? [] : [value];
  });
const itemsOfType = (output: readonly ResponseOutputItem[], type: string): unknown[] => output.filter((item) => item.type === type);
const partsOfType = (output: readonly ResponseOutputItem[], type: string): unknown[] =>
  output.flatMap((item) => (item.type === 'message' ? item.content.filter((part) => part.type === type) : []));

/**
 * Every field the Responses API sends only when `include` asks for it, read from the SDK's own
 * `ResponseIncludable` type: a new includable in a newer SDK fails the typecheck here until it is
 * read too.
 */
const onlyWhenIncluded: Record<ResponseIncludable, FieldReader> = {
  'web_search_call.action.sources': (output) => valuesOf(valuesOf(itemsOfType(output, 'web_search_call'), 'action'), 'sources'),
  'web_search_call.results': (output) => valuesOf(itemsOfType(output, 'web_search_call'), 'results'),
  'file_search_call.results': (output) => valuesOf(itemsOfType(output, 'file_search_call'), 'results'),
  'code_interpreter_call.outputs': (output) => valuesOf(itemsOfType(output, 'code_interpreter_call'), 'outputs'),
  'reasoning.encrypted_content': (output) => valuesOf(itemsOfType(output, 'reasoning'), 'encrypted_content'),
  'message.output_text.logprobs': (output) => valuesOf(partsOfType(output, 'output_text'), 'logprobs'),
  'message.input_image.image_url': (output) => valuesOf(partsOfType(output, 'input_image'), 'image_url'),
  'computer_call_output.output.image_url': (output) => valuesOf(valuesOf(itemsOfType(output, 'computer_call_output'), 'output'), 'image_url'),
};

describe('the stand-in sends no field the real API sends only when asked (every ResponseIncludable, every kind of answer)', () => {
  let standIn: StandInServer;
  let client: OpenAI;
  before(async () => {
    standIn = await startStandInServer();
    client = new OpenAI({ baseURL: standIn.baseUrl, apiKey: 'sk-test', maxRetries: 0 });
  });
  after(() => standIn?.stop());

  const answerKinds: { name: string; faults: FaultPlan }[] = [
    { name: 'a complete answer', faults: { rules: [] } },
    { name: 'an answer cut at max_output_tokens', faults: { rules: [{ sequence: [{ kind: 'incomplete' }], repeat: true }] } },
    { name: 'a refusal', faults: { rules: [{ sequence: [{ kind: 'refusal' }], repeat: true }] } },
    { name: 'an answer stopped by the content filter', faults: { rules: [{ sequence: [{ kind: 'content-filter' }], repeat: true }] } },
  ];

  for (const { name, faults } of answerKinds) {
    for (const tools of [[], [{ type: 'web_search' as const }]]) {
      it(`${name}${tools.length > 0 ? ' with the web_search tool' : ''}: read by responses.parse, no include-only field is present`, async () => {
        standIn.setFaults(faults);
        const response: Response = await client.responses.parse({
          model: 'gpt-4.1-mini',
          input: 'How do Kafka consumer groups rebalance?',
          text: { format: zodTextFormat(SearchSummary, 'search_summary') },
          tools,
          max_output_tokens: 4000,
        });
        for (const [field, read] of Object.entries(onlyWhenIncluded)) assert.deepEqual(read(response.output), [], `${field} was not asked for`);
        if (tools.length > 0) assert.ok(itemsOfType(response.output, 'web_search_call').length === 1, 'the search call itself is listed');
      });
    }
  }

  it('asked for, the sources come (so the reader above does see them when present)', async () => {
    standIn.setFaults({ rules: [] });
    const response = await client.responses.parse({
      model: 'gpt-4.1-mini',
      input: 'How do Kafka consumer groups rebalance?',
      text: { format: zodTextFormat(SearchSummary, 'search_summary') },
      tools: [{ type: 'web_search' }],
      include: ['web_search_call.action.sources'],
    });
    assert.ok(onlyWhenIncluded['web_search_call.action.sources'](response.output).length > 0);
  });

  it('Chat Completions answers carry no logprobs unless asked, and no annotations inside a json_schema answer', async () => {
    for (const { faults } of answerKinds) {
      standIn.setFaults(faults);
      const completion = await client.chat.completions.create({
        model: 'gpt-4.1-mini',
        messages: [{ role: 'user', content: 'How do Kafka consumer groups rebalance?' }],
        response_format: zodResponseFormat(SearchSummary, 'search_summary'),
      });
      const [choice] = completion.choices;
      assert.equal(choice?.logprobs, null);
      assert.deepEqual(choice?.message.annotations ?? [], []);
    }
  });
});
