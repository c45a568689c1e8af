/**
 * A place the searcher agent can look things up before its single LLM call.
 *
 * Providers come in two shapes and the material type covers both: a hosted tool the model
 * uses itself (sources arrive later, in the model's citations), or passages retrieved up
 * front and written into the prompt (sources are known before the call).
 */

/** One thing the answer may cite. `url` is what a reader follows; `snippet` is optional preview text. */
export interface SearchSource {
  readonly title: string;
  readonly url: string;
  readonly snippet?: string;
}

/** An OpenAI Responses hosted tool to attach to the call, e.g. `{ type: 'web_search' }`. */
export interface HostedTool {
  readonly type: 'web_search';
}

/**
 * What a provider hands the searcher agent for one query.
 *
 * Invariant for providers that fill `context`: block `[n]` in `context` describes
 * `sources[n - 1]`, so a citation the model writes as `[n]` can be resolved without parsing.
 */
export interface SearchMaterial {
  /** Hosted tools to attach to the LLM call (empty when the provider retrieved up front). */
  readonly tools: HostedTool[];
  /** Text for the prompt: retrieved passages, each labelled `[n]`; empty when there is none. */
  readonly context: string;
  /** Sources known before the call, in the order of their `[n]` labels. */
  readonly sources: SearchSource[];
}

/** Per-call limits for {@link SearchProvider.gather}. */
export interface GatherOptions {
  /** Upper bound on `sources` (and so on the number of context blocks). */
  readonly maxSources: number;
  /** Aborts the gather, e.g. when the activity is cancelled. */
  readonly signal?: AbortSignal;
}

/**
 * Finds material for one search query.
 *
 * @example
 * ```ts
 * const provider = await createSearchProvider({ kind: 'local-corpus', corpusDirectory: defaultCorpusDirectory });
 * const { tools, context, sources } = await provider.gather('kafka consumer offsets', { maxSources: 5, signal });
 * // attach `tools` to the Responses call, put `context` in the prompt, keep `sources` for the result
 * ```
 */
export interface SearchProvider {
  /** Stable identifier, recorded with results so a reader knows where sources came from. */
  readonly name: string;
  gather(query: string, options: GatherOptions): Promise<SearchMaterial>;
}
