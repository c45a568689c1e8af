import assert from 'node:assert/strict';
import test from 'node:test';
import { maxBlockChars, retrievedMaterial } from '../../../src/search/retrievedMaterial';
import { assertLabelledBlocks } from './materialInvariant';

void test('retrieved material keeps one block per distinct web url, at most maxSources, with capped text and snippets', () => {
  const long = 'word '.repeat(2000);
  const material = retrievedMaterial('Tavily', [
    { title: 'One', url: 'https://a.example/1', text: long },
    { title: 'One again', url: 'https://a.example/1', text: 'duplicate' },
    { title: 'Not a web page', url: 'javascript:alert(1)', text: 'dropped' },
    { title: '  ', url: 'https://a.example/2', text: 'short\n\n text' },
    { title: 'Three', url: 'https://a.example/3', text: 'over the limit' },
  ], 2);
  assertLabelledBlocks(material);
  assert.deepEqual(material.sources.map((source) => source.url), ['https://a.example/1', 'https://a.example/2']);
  assert.equal(material.sources[1]?.title, 'https://a.example/2', 'a blank title falls back to the url');
  assert.equal(material.sources[1]?.snippet, 'short text');
  assert.ok(material.context.length < 2 * (maxBlockChars + 100), `${material.context.length} chars`);
  assert.ok((material.sources[0]?.snippet ?? '').split(' ').length <= 41);
});

void test('no results is no error: no sources, and a context saying the back end found nothing', () => {
  const material = retrievedMaterial('SearXNG', [], 5);
  assert.deepEqual(material, { tools: [], context: 'SearXNG found nothing for this search: there are no passages to cite.', sources: [] });
});
