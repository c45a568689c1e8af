import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import MiniSearch from 'minisearch';
import { corpusExtensions, listCorpusFiles } from './corpusFiles';
import { splitMarkdownPassages } from './markdownPassages';
import type { SearchMaterial, SearchProvider, SearchSource } from './searchProvider';

/** Options for {@link createLocalCorpusSearch}. */
export interface LocalCorpusOptions {
  /** Folder searched recursively for .md, .markdown and .txt files. */
  readonly directory: string;
  /** Word budget per passage (default 180); see `splitMarkdownPassages`. */
  readonly maxPassageWords?: number;
}

/** One indexed passage together with where it came from. */
interface IndexedPassage {
  readonly id: number;
  readonly title: string;
  readonly heading: string;
  readonly text: string;
  readonly url: string;
}

const snippetWords = 40;

/**
 * A provider that searches a folder of markdown and text files, for offline runs and tests.
 * The folder is read and indexed once, here; every `gather` reuses the index, so files
 * changed afterwards are not seen until a new provider is created.
 *
 * `gather` returns the best-matching passages as `[n] <title> — <heading>` blocks in
 * `context` and, in the same order, sources whose url is `file://<absolute path>#<heading-slug>`.
 * A query that matches nothing yields empty context and no sources.
 *
 * @throws Error naming the directory when it is missing, not a directory, or holds no text.
 * @example
 * ```ts
 * const provider = await createLocalCorpusSearch({ directory: defaultCorpusDirectory });
 * const { context, sources } = await provider.gather('how are kafka consumer offsets committed', { maxSources: 3 });
 * // context: '[1] Kafka consumer offsets — Committing offsets\nA consumer ...'
 * // sources[0].url: 'file:///…/sample-corpus/kafka-consumer-offsets.md#committing-offsets'
 * ```
 */
export async function createLocalCorpusSearch(options: LocalCorpusOptions): Promise<SearchProvider> {
  const root = path.resolve(options.directory);
  const passages = await readPassages(root, options.maxPassageWords);
  if (passages.length === 0) {
    throw new Error(`Search corpus directory ${root} has no text in ${corpusExtensions.join(', ')} files`);
  }

  const index = new MiniSearch<IndexedPassage>({
    fields: ['title', 'heading', 'text'],
    processTerm: normalizeTerm,
    searchOptions: {
      // A heading names what its section is about, so a match there outweighs a passing
      // mention in body text; the title is a weaker version of the same signal.
      boost: { heading: 2, title: 1.5 },
      // Modest on purpose: prefix and fuzzy matches help with typos and word forms, but
      // loose settings make any query match something and a nonsense query must find nothing.
      prefix: (term) => term.length >= 4,
      fuzzy: (term) => (term.length >= 6 ? 0.15 : false),
      maxFuzzy: 2,
    },
  });
  index.addAll(passages);

  return {
    name: 'local-corpus',
    gather(query, { maxSources, signal }): Promise<SearchMaterial> {
      return Promise.resolve().then(() => {
        signal?.throwIfAborted();
        if (!Number.isInteger(maxSources) || maxSources < 0) {
          throw new RangeError(`maxSources must be a non-negative integer, got ${maxSources}`);
        }
        const chosen = topPassages(index, passages, query, maxSources);
        return {
          tools: [],
          context: chosen.map((passage, i) => `[${i + 1}] ${label(passage)}\n${passage.text}`).join('\n\n'),
          sources: chosen.map(toSource),
        };
      });
    },
  };
}

async function readPassages(root: string, maxPassageWords: number | undefined): Promise<IndexedPassage[]> {
  const passages: IndexedPassage[] = [];
  for (const file of await listCorpusFiles(root)) {
    const { title, passages: split } = splitMarkdownPassages(await readFile(file, 'utf8'), {
      fallbackTitle: path.basename(file, path.extname(file)),
      ...(maxPassageWords === undefined ? {} : { maxPassageWords }),
    });
    const fileUrl = pathToFileURL(file).href;
    for (const passage of split) {
      passages.push({
        id: passages.length,
        title,
        heading: passage.heading,
        text: passage.text,
        url: passage.slug ? `${fileUrl}#${passage.slug}` : fileUrl,
      });
    }
  }
  return passages;
}

/**
 * The best passages for `query`, at most `maxSources`, one per url: a long section is
 * indexed as several passages that share an anchor, and listing the same anchor twice would
 * spend a source slot without adding a place to cite. The best-scoring passage of the
 * section stands for it.
 */
function topPassages(
  index: MiniSearch<IndexedPassage>,
  passages: readonly IndexedPassage[],
  query: string,
  maxSources: number,
): IndexedPassage[] {
  const chosen: IndexedPassage[] = [];
  const urls = new Set<string>();
  for (const hit of index.search(query)) {
    if (chosen.length >= maxSources) break;
    const passage = passages[hit.id as number];
    if (passage === undefined || urls.has(passage.url)) continue;
    urls.add(passage.url);
    chosen.push(passage);
  }
  return chosen;
}

function label(passage: IndexedPassage): string {
  // Text before a document's first subheading is labelled with the title alone rather than "Title — Title".
  return passage.heading === passage.title ? passage.title : `${passage.title} — ${passage.heading}`;
}

function toSource(passage: IndexedPassage): SearchSource {
  const words = passage.text.split(/\s+/).filter((word) => word.length > 0);
  const snippet = words.length > snippetWords ? `${words.slice(0, snippetWords).join(' ')} …` : words.join(' ');
  return { title: label(passage), url: passage.url, snippet };
}

/**
 * Common English words carry no topic, and with OR-combined queries they would let
 * "what is the ..." match every passage in the corpus.
 */
const stopWords = new Set(
  ('a an and are as at be but by can do does for from has have how i if in into is it its ' +
    'not of on or so such that the their then there these this those to was were what when ' +
    'where which while who why will with you your').split(' '),
);

/**
 * Lower-cases, drops stop words and one-letter terms, and folds simple English plurals
 * ("offsets" → "offset", "retries" → "retry") so singular and plural forms match each other.
 * Applied identically when indexing and when querying, so it only has to be consistent, not
 * linguistically right.
 */
function normalizeTerm(term: string): string | null {
  const lower = term.toLowerCase();
  if (lower.length < 2 || stopWords.has(lower)) return null;
  if (lower.length > 4 && lower.endsWith('ies')) return `${lower.slice(0, -3)}y`;
  if (lower.length > 3 && lower.endsWith('s') && !/(ss|us|is)$/.test(lower)) return lower.slice(0, -1);
  return lower;
}
