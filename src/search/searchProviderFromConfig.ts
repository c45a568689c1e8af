import path from 'node:path';
import { createLocalCorpusSearch } from './localCorpusSearch';
import { createOpenAIWebSearch } from './openaiWebSearch';
import type { SearchProvider } from './searchProvider';

/**
 * Absolute path of the sample corpus shipped in the repository: offline mode's corpus, and
 * elsewhere only when SEARCH_CORPUS_DIR names it (ten sample documents, not research).
 */
export const defaultCorpusDirectory = path.join(__dirname, 'sample-corpus');

/** The slice of configuration that picks a search provider. */
export interface SearchSettings {
  readonly kind: 'openai-web-search' | 'local-corpus';
  /** Read only when `kind` is `'local-corpus'`. */
  readonly corpusDirectory: string;
}

/**
 * The search provider the configuration names. A local corpus is read and indexed here,
 * so a bad corpus directory fails at start-up rather than on the first research request.
 *
 * @example
 * ```ts
 * const provider = await createSearchProvider({ kind: 'local-corpus', corpusDirectory: defaultCorpusDirectory });
 * provider.name; // 'local-corpus'
 * ```
 */
export async function createSearchProvider(settings: SearchSettings): Promise<SearchProvider> {
  switch (settings.kind) {
    case 'openai-web-search':
      return createOpenAIWebSearch();
    case 'local-corpus':
      return createLocalCorpusSearch({ directory: settings.corpusDirectory });
  }
}
