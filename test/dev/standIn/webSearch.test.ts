import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { ResponseOutputMessage, ResponseOutputText } from 'openai/resources/responses/responses';
import { zodTextFormat } from 'openai/helpers/zod';
import { type StandInServer, startStandInServer } from '../../../dev/standIn';
import { SearchSummary } from './researchSchemas';

function urlCitations(message: ResponseOutputMessage | undefined): ResponseOutputText.URLCitation[] {
  const text = message?.content.find((part): part is ResponseOutputText => part.type === 'output_text');
  return (text?.annotations ?? []).filter((annotation) => annotation.type === 'url_citation');
}

describe('hosted web search, simulated', () => {
  let standIn: StandInServer;
  let client: OpenAI;

  before(async () => {
    standIn = await startStandInServer();
    client = new OpenAI({ baseURL: standIn.baseUrl, apiKey: 'sk-test', maxRetries: 0 });
  });

  after(async () => {
    await standIn.stop();
  });

  it('a web_search tool yields a web_search_call first and url_citation annotations over the cited links', async () => {
    const response = await client.responses.create({
      model: 'gpt-4.1',
      input: 'What is known about microplastics in drinking water?',
      tools: [{ type: 'web_search' }],
      include: ['web_search_call.action.sources'],
    });

    const [searchCall, message] = response.output;
    assert.equal(searchCall?.type, 'web_search_call');
    const search = searchCall; // narrowed to ResponseFunctionWebSearch by the assertion above
    assert.match(search.id, /^ws_/);
    assert.equal(search.status, 'completed');
    assert.equal(search.action.type, 'search');
    const action = search.action;
    assert.match(action.query ?? '', /microplastics/);
    assert.ok((action.sources ?? []).length >= 3);

    assert.equal(message?.type, 'message');
    const citations = urlCitations(message);
    assert.ok(citations.length >= 1);
    const sourceUrls = new Set((action.sources ?? []).map((source) => source.url));
    for (const citation of citations) {
      assert.match(citation.url, /^https:\/\/stand-in\.invalid\//);
      assert.ok(sourceUrls.has(citation.url), 'citations point at sources the search returned');
      assert.ok(citation.title.length > 0);
      // The indexes cover the markdown link to the cited URL inside the text.
      assert.equal(response.output_text.slice(citation.start_index, citation.end_index), `[stand-in.invalid](${citation.url})`);
    }
  });

  it('the same search is deterministic: identical URLs and text for the identical request', async () => {
    const request = {
      model: 'gpt-4.1',
      input: 'Lithium extraction from geothermal brine',
      tools: [{ type: 'web_search_preview' as const }],
    };
    const first = await client.responses.create(request);
    const second = await client.responses.create(request);
    assert.equal(first.output_text, second.output_text);
    assert.deepEqual(
      urlCitations(first.output[1] as ResponseOutputMessage).map((citation) => citation.url),
      urlCitations(second.output[1] as ResponseOutputMessage).map((citation) => citation.url),
    );
  });

  it('structured output with web search stays valid JSON, cites nothing inside it, and lists the sources on the search call', async () => {
    const response = await client.responses.parse({
      model: 'gpt-4.1',
      input: 'Search term: perovskite solar cell durability',
      tools: [{ type: 'web_search' }],
      include: ['web_search_call.action.sources'],
      text: { format: zodTextFormat(SearchSummary, 'web_search_summary') },
    });
    assert.ok(SearchSummary.parse(response.output_parsed).summary.length > 0);
    const message = response.output.find((item) => item.type === 'message');
    assert.deepEqual(urlCitations(message), []);
    const searchCall = response.output.find((item) => item.type === 'web_search_call');
    assert.ok(searchCall?.action.type === 'search' && (searchCall.action.sources ?? []).length >= 3);
  });

  it('Chat Completions with web_search_options gets the nested Chat citation shape', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-search-preview',
      messages: [{ role: 'user', content: 'Heat pumps in cold climates' }],
      web_search_options: {},
    });
    const message = completion.choices[0]?.message;
    const annotation = message?.annotations?.[0];
    assert.equal(annotation?.type, 'url_citation');
    const { start_index, end_index, url } = annotation.url_citation;
    assert.equal(message?.content?.slice(start_index, end_index), `[stand-in.invalid](${url})`);
  });
});
