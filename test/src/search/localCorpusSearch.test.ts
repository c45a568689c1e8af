import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLocalCorpusSearch } from '../../../src/search/localCorpusSearch';
import { headingSlug } from '../../../src/search/markdownPassages';
import type { SearchProvider } from '../../../src/search/searchProvider';
import { defaultCorpusDirectory } from '../../../src/search/searchProviderFromConfig';

let sampleProvider: Promise<SearchProvider> | undefined;
/** The sample corpus is indexed once for the whole file, as the provider is meant to be used. */
function sampleCorpus(): Promise<SearchProvider> {
  sampleProvider ??= createLocalCorpusSearch({ directory: defaultCorpusDirectory });
  return sampleProvider;
}

async function withTempDir(run: (directory: string) => Promise<void>): Promise<void> {
  const directory = await mkdtemp(path.join(tmpdir(), 'research-relay-corpus-'));
  try {
    await run(directory);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

void test('a query about Kafka consumer offsets ranks the offsets document first over the sample corpus', async () => {
  const provider = await sampleCorpus();
  const { tools, context, sources } = await provider.gather('How does a Kafka consumer commit its offsets?', {
    maxSources: 5,
  });

  assert.equal(provider.name, 'local-corpus');
  assert.deepEqual(tools, []);
  assert.match(sources[0]?.url ?? '', /\/kafka-consumer-offsets\.md#/);
  assert.match(context, /^\[1\] Kafka consumer offsets/);
});

void test('maxSources bounds the sources and the numbered context blocks', async () => {
  const provider = await sampleCorpus();
  // "kafka" appears in several documents, so there are always more hits than the bound.
  for (const maxSources of [1, 2, 4]) {
    const { context, sources } = await provider.gather('kafka', { maxSources });
    assert.equal(sources.length, maxSources);
    const labels = [...context.matchAll(/^\[(\d+)\] /gm)].map((match) => Number(match[1]));
    assert.deepEqual(labels, Array.from({ length: maxSources }, (_, i) => i + 1));
  }
  assert.deepEqual(await provider.gather('kafka', { maxSources: 0 }), { tools: [], context: '', sources: [] });
});

void test('context block n is the passage behind source n', async () => {
  const provider = await sampleCorpus();
  const { context, sources } = await provider.gather('exponential backoff with jitter', { maxSources: 3 });

  const blocks = context.split(/\n\n(?=\[\d+\] )/);
  assert.equal(blocks.length, sources.length);
  sources.forEach((source, i) => {
    assert.ok(blocks[i]?.startsWith(`[${i + 1}] ${source.title}\n`), `block ${i + 1} is labelled "${source.title}"`);
    const snippetStart = (source.snippet ?? '').replace(/ …$/, '').slice(0, 60);
    assert.ok(snippetStart.length > 0 && blocks[i]?.replace(/\s+/g, ' ').includes(snippetStart), 'snippet comes from the block');
  });
  assert.equal(new Set(sources.map((s) => s.url)).size, sources.length, 'no url is listed twice');
});

void test('a nonsense query yields no sources and empty context', async () => {
  const provider = await sampleCorpus();
  assert.deepEqual(await provider.gather('xqzvy blorptang wuggle', { maxSources: 5 }), {
    tools: [],
    context: '',
    sources: [],
  });
  // Stop words alone match nothing either, instead of every passage.
  assert.deepEqual((await provider.gather('what is the', { maxSources: 5 })).sources, []);
});

void test('sources carry file:// urls of files that exist on disk, anchored at one of their headings', async () => {
  const provider = await sampleCorpus();
  const { sources } = await provider.gather('trace context propagation through message headers', { maxSources: 5 });

  assert.ok(sources.length > 0);
  for (const source of sources) {
    const url = new URL(source.url);
    assert.equal(url.protocol, 'file:');
    const file = fileURLToPath(new URL(url.pathname, 'file://'));
    assert.ok(path.isAbsolute(file) && existsSync(file), `${file} exists`);
    assert.ok(file.startsWith(defaultCorpusDirectory + path.sep));
    const headings = (await readFile(file, 'utf8')).match(/^#{1,6} .*$/gm) ?? [];
    const anchors = headings.map((line) => headingSlug(line.replace(/^#+ /, '')));
    assert.ok(anchors.includes(url.hash.slice(1)), `${url.hash} is a heading of ${file}`);
  }
});

void test('a missing directory fails with a message naming it', async () => {
  const missing = path.join(tmpdir(), `research-relay-no-such-corpus-${process.pid}`);
  await assert.rejects(createLocalCorpusSearch({ directory: missing }), (error: unknown) => {
    assert.ok(error instanceof Error);
    assert.ok(error.message.includes(missing), error.message);
    return true;
  });
});

void test('a directory without markdown or text files fails with a message naming it', async () => {
  await withTempDir(async (directory) => {
    await writeFile(path.join(directory, 'data.json'), '{"kafka": "offsets"}');
    await assert.rejects(createLocalCorpusSearch({ directory }), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.ok(error.message.includes(directory), error.message);
      return true;
    });
  });
});

void test('a temp-dir corpus written by the test is searchable, nested text files included', async () => {
  await withTempDir(async (directory) => {
    await mkdir(path.join(directory, 'ops', 'runbooks'), { recursive: true });
    await mkdir(path.join(directory, '.drafts'));
    await writeFile(
      path.join(directory, 'birds.md'),
      '# Birds\n\n## Migration\n\nArctic terns fly from pole to pole every year.\n\n## Song\n\nWrens sing loudly for their size.',
    );
    await writeFile(path.join(directory, 'ops', 'runbooks', 'pager.txt'), 'When the pager fires, acknowledge within five minutes.');
    await writeFile(path.join(directory, 'ops', 'notes.markdown'), '# Notes\n\nThe quarterly review is in March.');
    await writeFile(path.join(directory, 'ignored.json'), '{"text": "zeppelin"}');
    await writeFile(path.join(directory, '.drafts', 'draft.md'), '# Draft\n\nzeppelin');

    const provider = await createLocalCorpusSearch({ directory, maxPassageWords: 50 });

    const terns = await provider.gather('arctic tern migration', { maxSources: 3 });
    assert.equal(terns.sources[0]?.url, `file://${path.join(directory, 'birds.md')}#migration`);
    assert.equal(terns.sources[0]?.title, 'Birds — Migration');
    assert.match(terns.context, /^\[1\] Birds — Migration\nArctic terns fly from pole to pole every year\.$/m);

    const pager = await provider.gather('pager acknowledge', { maxSources: 3 });
    assert.deepEqual(pager.sources, [
      {
        title: 'pager',
        url: `file://${path.join(directory, 'ops', 'runbooks', 'pager.txt')}`,
        snippet: 'When the pager fires, acknowledge within five minutes.',
      },
    ]);

    assert.equal((await provider.gather('quarterly review', { maxSources: 3 })).sources.length, 1);
    assert.deepEqual((await provider.gather('zeppelin', { maxSources: 3 })).sources, [], 'json and hidden files are not indexed');
  });
});

void test('the index is built once at creation and reused for every query', async () => {
  await withTempDir(async (directory) => {
    await writeFile(path.join(directory, 'a.md'), '# Alpha\n\nAlpha particles are helium nuclei.');
    const provider = await createLocalCorpusSearch({ directory });
    await writeFile(path.join(directory, 'b.md'), '# Beta\n\nBeta particles are electrons.');
    await rm(path.join(directory, 'a.md'));

    assert.equal((await provider.gather('helium nuclei', { maxSources: 3 })).sources.length, 1);
    assert.equal((await provider.gather('electrons', { maxSources: 3 })).sources.length, 0);
  });
});

void test('an aborted signal rejects the gather', async () => {
  const provider = await sampleCorpus();
  const controller = new AbortController();
  controller.abort(new Error('activity cancelled'));
  await assert.rejects(provider.gather('kafka', { maxSources: 3, signal: controller.signal }), /activity cancelled/);
});
