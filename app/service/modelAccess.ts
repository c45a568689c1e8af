import type OpenAI from 'openai';
import type { LlmSettings } from '../../src/config/relayConfig';
import { ConfigurationError } from '../../src/errors';
import { createOpenAIClient } from '../../src/llm/openaiClientFactory';
import type { Logger } from '../../src/logging/logger';
import { createSearchProvider, defaultCorpusDirectory, type SearchSettings } from '../../src/search/searchProviderFromConfig';
import type { SearchProvider } from '../../src/search/searchProvider';

/** Which model endpoint the worker talks to. */
export type ModelMode = 'openai' | 'compatible-server' | 'embedded-stand-in';

export interface ModelAccess {
  readonly mode: ModelMode;
  readonly openai: OpenAI;
  readonly searchProvider: SearchProvider;
  /** The models as the agents will request them (prefixed "stand-in:" in embedded mode). */
  readonly models: LlmSettings['models'];
  readonly baseUrl: string;
  close(): Promise<void>;
}

/** Model names in embedded mode carry this prefix, so a stand-in report is never taken for a real one. */
export const standInModelPrefix = 'stand-in:';

/**
 * Decides where LLM calls go:
 * - OPENAI_API_KEY without OPENAI_BASE_URL → OpenAI, hosted web search;
 * - OPENAI_BASE_URL → that OpenAI-compatible server (vLLM, Ollama, a stand-in), with the search
 *   SEARCH_PROVIDER names — a ConfigurationError without it: such a server has no hosted search;
 * - OFFLINE_MODE=true → the stand-in server embedded in this process, local-corpus search over
 *   the sample corpus, with a loud warning: reports are generated text, not research;
 * - none of these → a ConfigurationError: a worker never falls back to generated text silently.
 * Outside offline mode, `local-corpus` needs SEARCH_CORPUS_DIR: the sample corpus is used only when named.
 * Called by the worker role alone, so a consumer-only process is never refused for these.
 */
export async function resolveModelAccess(settings: LlmSettings, logger: Logger): Promise<ModelAccess> {
  if (!settings.offline && !settings.apiKey && !settings.baseUrl) {
    throw new ConfigurationError(
      'invalid configuration:\n  no model endpoint: set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (an OpenAI-compatible server), or OFFLINE_MODE=true to run on the stand-in model server (generated text, not research)',
      ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OFFLINE_MODE'],
    );
  }
  if (settings.offline) {
    const search = searchSettingsFor(settings, 'embedded-stand-in');
    // Loaded only in offline mode: the stand-in is development tooling (dev/), and this is the
    // one place production code reaches it (a lint rule keeps it so).
    const { startOfflineModelServer } = await import('../../dev/standIn/offlineModelServer.js');
    const standIn = await startOfflineModelServer();
    logger.warn(
      'OFFLINE MODE (OFFLINE_MODE=true): LLM calls go to the embedded stand-in server ' +
        `(${standIn.baseUrl}) and search uses the local corpus. Reports are deterministic generated text, not research; ` +
        `result events name the models "${standInModelPrefix}…".`,
      { baseUrl: standIn.baseUrl, corpusDirectory: search.corpusDirectory },
    );
    const searchProvider = await createSearchProvider(search);
    const models = {
      planner: `${standInModelPrefix}${settings.models.planner}`,
      searcher: `${standInModelPrefix}${settings.models.searcher}`,
      writer: `${standInModelPrefix}${settings.models.writer}`,
    };
    const openai = createOpenAIClient({ baseUrl: standIn.baseUrl, timeoutMs: settings.timeoutMs, maxRetries: settings.maxRetries });
    return { mode: 'embedded-stand-in', openai, searchProvider, models, baseUrl: standIn.baseUrl, close: () => standIn.stop() };
  }
  const mode: ModelMode = settings.baseUrl ? 'compatible-server' : 'openai';
  const searchProvider = await createSearchProvider(searchSettingsFor(settings, mode));
  const openai = createOpenAIClient({
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
    ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
    timeoutMs: settings.timeoutMs,
    maxRetries: settings.maxRetries,
  });
  logger.info('model endpoint', { mode, baseUrl: settings.baseUrl ?? 'https://api.openai.com/v1', search: searchProvider.name });
  return { mode, openai, searchProvider, models: settings.models, baseUrl: settings.baseUrl ?? 'https://api.openai.com/v1', close: () => Promise.resolve() };
}

/**
 * The search the configuration names for a model endpoint. Only OpenAI has a default (its hosted
 * web search) and only offline mode reads the sample corpus unasked: a compatible server without
 * SEARCH_PROVIDER, or `local-corpus` without SEARCH_CORPUS_DIR, would otherwise build "research"
 * from ten sample documents.
 */
function searchSettingsFor(settings: LlmSettings, mode: ModelMode): SearchSettings {
  const offline = mode === 'embedded-stand-in';
  const kind = settings.searchProvider ?? (mode === 'openai' ? 'openai-web-search' : offline ? 'local-corpus' : undefined);
  if (kind === undefined) {
    throw new ConfigurationError(
      'invalid configuration:\n  no search provider: OPENAI_BASE_URL names a model server without hosted web search, so set SEARCH_PROVIDER: ' +
        '`local-corpus` with SEARCH_CORPUS_DIR=<a directory of your markdown/text documents>, or `openai-web-search` only if that endpoint ' +
        "serves OpenAI's hosted web search tool (OpenAI itself, or an Azure OpenAI deployment that supports it)",
      ['SEARCH_PROVIDER'],
    );
  }
  if (kind === 'local-corpus' && settings.corpusDirectory === undefined && !offline) {
    throw new ConfigurationError(
      'invalid configuration:\n  SEARCH_PROVIDER=local-corpus without SEARCH_CORPUS_DIR: set it to a directory of your markdown/text documents ' +
        `(the sample corpus is used only when named: SEARCH_CORPUS_DIR=${defaultCorpusDirectory} — ten sample documents, not research)`,
      ['SEARCH_CORPUS_DIR'],
    );
  }
  return { kind, corpusDirectory: settings.corpusDirectory ?? defaultCorpusDirectory };
}
