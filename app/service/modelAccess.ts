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
 * - OPENAI_API_KEY without OPENAI_BASE_URL → OpenAI, hosted web search (with MODEL_API=responses;
 *   Chat Completions has no hosted search, so SEARCH_PROVIDER must name one);
 * - OPENAI_BASE_URL → that OpenAI-compatible server (vLLM, Ollama, a stand-in), with the search
 *   SEARCH_PROVIDER names (tavily, searxng, local-corpus) — a ConfigurationError without it:
 *   such a server has no hosted search;
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
        `(${standIn.baseUrl}) and search uses ${search.kind === 'local-corpus' ? 'the local corpus' : search.kind}. Reports are deterministic generated text, not research; ` +
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
 * The search the configuration names for a model endpoint. Only OpenAI's Responses API has a
 * default (its hosted web search) and only offline mode reads the sample corpus unasked: a
 * compatible server or Chat Completions without SEARCH_PROVIDER, or `local-corpus` without
 * SEARCH_CORPUS_DIR, would otherwise build "research" from ten sample documents or from none.
 */
function searchSettingsFor(settings: LlmSettings, mode: ModelMode): SearchSettings {
  const offline = mode === 'embedded-stand-in';
  const kind = settings.searchProvider ?? (offline ? 'local-corpus' : mode === 'openai' && settings.api === 'responses' ? 'openai-web-search' : undefined);
  if (kind === undefined) throw noSearchProvider(settings);
  if (kind === 'openai-web-search' && settings.api === 'chat-completions') {
    throw new ConfigurationError(
      'invalid configuration:\n  SEARCH_PROVIDER=openai-web-search with MODEL_API=chat-completions: the hosted web search tool exists only in the Responses API, so set ' +
        `SEARCH_PROVIDER to ${searchChoices}, or MODEL_API=responses`,
      ['SEARCH_PROVIDER', 'MODEL_API'],
    );
  }
  if (kind === 'local-corpus' && settings.corpusDirectory === undefined && !offline) {
    throw new ConfigurationError(
      'invalid configuration:\n  SEARCH_PROVIDER=local-corpus without SEARCH_CORPUS_DIR: set it to a directory of your markdown/text documents ' +
        `(the sample corpus is used only when named: SEARCH_CORPUS_DIR=${defaultCorpusDirectory} — ten sample documents, not research)`,
      ['SEARCH_CORPUS_DIR'],
    );
  }
  if (kind === 'tavily' && settings.tavilyApiKey === undefined) {
    throw new ConfigurationError('invalid configuration:\n  SEARCH_PROVIDER=tavily without TAVILY_API_KEY: set it to your Tavily API key (app.tavily.com)', ['TAVILY_API_KEY']);
  }
  if (kind === 'searxng' && settings.searxngUrl === undefined) {
    throw new ConfigurationError(
      'invalid configuration:\n  SEARCH_PROVIDER=searxng without SEARXNG_URL: set it to the base URL of a SearXNG instance whose settings.yml enables the json format',
      ['SEARXNG_URL'],
    );
  }
  return {
    kind,
    corpusDirectory: settings.corpusDirectory ?? defaultCorpusDirectory,
    ...(settings.tavilyApiKey ? { tavily: { apiKey: settings.tavilyApiKey, baseUrl: settings.tavilyBaseUrl } } : {}),
    ...(settings.searxngUrl ? { searxngUrl: settings.searxngUrl } : {}),
    timeoutMs: settings.searchTimeoutMs,
  };
}

/** The search back ends that work with any model endpoint, as the refusals list them. */
const searchChoices =
  '`tavily` with TAVILY_API_KEY, `searxng` with SEARXNG_URL=<your SearXNG instance>, or `local-corpus` with SEARCH_CORPUS_DIR=<a directory of your markdown/text documents>';

function noSearchProvider(settings: LlmSettings): ConfigurationError {
  const why = settings.baseUrl
    ? 'OPENAI_BASE_URL names a model server without hosted web search'
    : "MODEL_API=chat-completions has no hosted web search (that is a Responses API tool)";
  const hosted = settings.baseUrl
    ? ", or `openai-web-search` only if that endpoint serves OpenAI's hosted web search tool (OpenAI itself, or an Azure OpenAI deployment that supports it) through MODEL_API=responses"
    : '';
  return new ConfigurationError(`invalid configuration:\n  no search provider: ${why}, so set SEARCH_PROVIDER: ${searchChoices}${hosted}`, ['SEARCH_PROVIDER']);
}
