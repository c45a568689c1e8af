import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import test from 'node:test';
import { ConfigurationError } from '../../../src/errors';
import { createSearchProvider, defaultCorpusDirectory } from '../../../src/search/searchProviderFromConfig';

void test('the configured kind picks the search provider', async () => {
  const web = await createSearchProvider({ kind: 'openai-web-search', corpusDirectory: '/does/not/matter' });
  const local = await createSearchProvider({ kind: 'local-corpus', corpusDirectory: defaultCorpusDirectory });
  assert.equal(web.name, 'openai-web-search');
  assert.equal(local.name, 'local-corpus');
});

void test('a local corpus with a bad directory fails at creation, not on the first query', async () => {
  await assert.rejects(
    createSearchProvider({ kind: 'local-corpus', corpusDirectory: '/no/such/research-relay/corpus' }),
    /\/no\/such\/research-relay\/corpus/,
  );
});

void test('the default corpus directory is the absolute path of the shipped sample corpus', async () => {
  assert.ok(path.isAbsolute(defaultCorpusDirectory));
  assert.ok(existsSync(defaultCorpusDirectory));
  const markdown = (await readdir(defaultCorpusDirectory)).filter((name) => name.endsWith('.md'));
  assert.ok(markdown.length >= 8 && markdown.length <= 12, `${markdown.length} sample documents`);
});

void test('tavily and searxng are built from their settings, and refused without the key or the URL they need', async () => {
  const tavily = await createSearchProvider({ kind: 'tavily', corpusDirectory: '/does/not/matter', tavily: { apiKey: 'tvly-config-test' }, timeoutMs: 1000 });
  const searxng = await createSearchProvider({ kind: 'searxng', corpusDirectory: '/does/not/matter', searxngUrl: 'http://127.0.0.1:9', timeoutMs: 1000 });
  assert.equal(tavily.name, 'tavily');
  assert.equal(searxng.name, 'searxng');
  await assert.rejects(createSearchProvider({ kind: 'tavily', corpusDirectory: '/does/not/matter' }), (error: unknown) => error instanceof ConfigurationError && error.problems.includes('TAVILY_API_KEY'));
  await assert.rejects(createSearchProvider({ kind: 'searxng', corpusDirectory: '/does/not/matter' }), (error: unknown) => error instanceof ConfigurationError && error.problems.includes('SEARXNG_URL'));
});
