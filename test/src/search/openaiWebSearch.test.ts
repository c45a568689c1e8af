import assert from 'node:assert/strict';
import test from 'node:test';
import type { ResponseOutputItem } from 'openai/resources/responses/responses';
import { createOpenAIWebSearch, sourcesFromAnnotations } from '../../../src/search/openaiWebSearch';

void test('the web search provider attaches the hosted web_search tool and retrieves nothing up front', async () => {
  const provider = createOpenAIWebSearch();
  assert.equal(provider.name, 'openai-web-search');
  assert.deepEqual(await provider.gather('kafka consumer offsets', { maxSources: 5 }), {
    tools: [{ type: 'web_search' }],
    context: '',
    sources: [],
  });
});

void test('sourcesFromAnnotations dedupes urls and reads both annotation and web_search_call sources', () => {
  const output: ResponseOutputItem[] = [
    {
      type: 'web_search_call',
      id: 'ws_1',
      status: 'completed',
      action: {
        type: 'search',
        query: 'kafka consumer offsets',
        sources: [
          { type: 'url', url: 'https://kafka.example.org/offsets' },
          { type: 'url', url: 'https://blog.example.com/lag' },
          { type: 'url', url: 'https://blog.example.com/lag' },
        ],
      },
    },
    {
      type: 'message',
      id: 'msg_1',
      role: 'assistant',
      status: 'completed',
      content: [
        {
          type: 'output_text',
          text: 'Offsets are committed per partition [1]. Lag grows when... [2]',
          annotations: [
            { type: 'url_citation', start_index: 0, end_index: 10, title: 'Offsets explained', url: 'https://kafka.example.org/offsets?utm_source=openai' },
            { type: 'file_citation', file_id: 'file_1', filename: 'notes.pdf', index: 3 },
            { type: 'url_citation', start_index: 20, end_index: 30, title: 'Rebalancing', url: 'https://docs.example.net/rebalance' },
            { type: 'url_citation', start_index: 40, end_index: 50, title: 'Offsets explained again', url: 'https://kafka.example.org/offsets?utm_source=openai' },
          ],
        },
        { type: 'refusal', refusal: 'n/a' },
      ],
    },
  ];

  assert.deepEqual(sourcesFromAnnotations(output), [
    // Cited sources come first and keep their titles; the same page seen again (with or
    // without the tracking parameter) is not listed twice.
    { title: 'Offsets explained', url: 'https://kafka.example.org/offsets?utm_source=openai' },
    { title: 'Rebalancing', url: 'https://docs.example.net/rebalance' },
    { title: 'https://blog.example.com/lag', url: 'https://blog.example.com/lag' },
  ]);
});

void test('sourcesFromAnnotations lists the page an open_page action consulted, and nothing from an output without citations or calls', () => {
  const output: ResponseOutputItem[] = [
    { type: 'web_search_call', id: 'ws_2', status: 'completed', action: { type: 'open_page', url: 'https://example.org/page' } },
    {
      type: 'message',
      id: 'msg_2',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: 'No citations here.', annotations: [] }],
    },
  ];
  // A search call that only opened a page still consulted it: without it the search would read as unsourced.
  assert.deepEqual(sourcesFromAnnotations(output), [{ title: 'https://example.org/page', url: 'https://example.org/page' }]);
  assert.deepEqual(sourcesFromAnnotations(output.slice(1)), []);
  assert.deepEqual(sourcesFromAnnotations([]), []);
});
