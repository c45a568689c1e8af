import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import type { ResponseFunctionWebSearch, ResponseOutputItem, ResponseOutputText } from 'openai/resources/responses/responses';
import { type StandInServer, startStandInServer } from '../../../dev/standIn';
import { SearchSummary } from './researchSchemas';

function searchAction(output: readonly ResponseOutputItem[]): ResponseFunctionWebSearch.Search {
  const call = output.find((item): item is ResponseFunctionWebSearch => item.type === 'web_search_call');
  assert.equal(call?.action.type, 'search');
  return call.action;
}

function urlCitations(output: readonly ResponseOutputItem[]): ResponseOutputText.URLCitation[] {
  return output.flatMap((item) =>
    item.type === 'message' ? item.content.flatMap((part) => (part.type === 'output_text' ? part.annotations.filter((a) => a.type === 'url_citation') : [])) : [],
  );
}

describe('hosted web search sources, as the published API returns them', () => {
  let standIn: StandInServer;
  let client: OpenAI;

  before(async () => {
    standIn = await startStandInServer();
    client = new OpenAI({ baseURL: standIn.baseUrl, apiKey: 'sk-test', maxRetries: 0 });
  });
  after(async () => {
    await standIn?.stop();
  });

  it('a web_search_call carries no action.sources unless the request includes web_search_call.action.sources', async () => {
    const request = { model: 'gpt-4.1', input: 'Groundwater recharge in arid regions', tools: [{ type: 'web_search' as const }] };
    const plain = await client.responses.create(request);
    assert.equal(searchAction(plain.output).sources, undefined);

    const included = await client.responses.create({ ...request, include: ['web_search_call.action.sources'] });
    const sources = searchAction(included.output).sources ?? [];
    assert.ok(sources.length >= 3);
    for (const source of sources) {
      assert.equal(source.type, 'url');
      assert.match(source.url, /^https:\/\/stand-in\.invalid\//);
    }
  });

  it('a json_schema answer carries no url_citation annotations, with or without the include', async () => {
    for (const include of [undefined, ['web_search_call.action.sources' as const]]) {
      const response = await client.responses.parse({
        model: 'gpt-4.1',
        input: 'Search term: perovskite solar cell durability',
        tools: [{ type: 'web_search' }],
        text: { format: zodTextFormat(SearchSummary, 'web_search_summary') },
        ...(include ? { include } : {}),
      });
      assert.ok(SearchSummary.parse(response.output_parsed).summary.length > 0);
      assert.deepEqual(urlCitations(response.output), []);
    }
  });

  it('a plain-text answer still cites its sources with url_citation annotations', async () => {
    const response = await client.responses.create({ model: 'gpt-4.1', input: 'Heat pumps in cold climates', tools: [{ type: 'web_search' }] });
    assert.ok(urlCitations(response.output).length >= 1);
  });

  it('the call log records the include the request carried', async () => {
    standIn.resetCalls();
    await client.responses.create({ model: 'gpt-4.1', input: 'Tidal energy', tools: [{ type: 'web_search' }], include: ['web_search_call.action.sources'] });
    await client.responses.create({ model: 'gpt-4.1', input: 'Tidal energy' });
    const [withInclude, without] = standIn.calls().slice(-2);
    assert.deepEqual(withInclude?.include, ['web_search_call.action.sources']);
    assert.equal(without?.include, undefined);
  });
});
