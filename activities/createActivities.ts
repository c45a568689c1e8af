import { Context } from '@temporalio/activity';
import type OpenAI from 'openai';
import type { Producer } from 'kafkajs';
import type { TopicNames } from '../src/config/relayConfig';
import type { AgentUsage } from '../src/contracts/researchUsage';
import { callStructured, type ModelCallUsage } from '../src/llm/structuredResponse';
import type { PriceTable } from '../src/llm/priceTable';
import type { Logger } from '../src/logging/logger';
import type { SearchProvider, SearchSource } from '../src/search/searchProvider';
import { sourcesFromAnnotations } from '../src/search/openaiWebSearch';
import { withStageSpan } from '../src/telemetry/stageSpan';
import { toActivityFailure } from './activityFailure';
import { CompletionPublisher, type CompletedDraft, type FailedDraft, type PublishContext } from './completionPublisher';
import { plannerInput, plannerInstructions, researchPlanSchema, type SearchItem } from './plannerAgent';
import { searcherInput, searcherInstructions, searchSummarySchema } from './searcherAgent';
import { researchReportDraftSchema, writerInput, writerInstructions, type ResearchReportDraft } from './writerAgent';

export interface ActivityDependencies {
  readonly openai: OpenAI;
  readonly searchProvider: SearchProvider;
  readonly producer: Producer;
  readonly topics: TopicNames;
  readonly models: { readonly planner: string; readonly searcher: string; readonly writer: string };
  readonly prices: PriceTable;
  readonly logger: Logger;
  /** Answers failing their schema accepted per activity attempt before failing for good. */
  readonly schemaAttempts?: number;
  /** Sources handed to a searcher per search (local corpus). */
  readonly maxSourcesPerSearch?: number;
  /** How often a working activity heart-beats (default 5 s; the workflow allows 30 s between beats). */
  readonly heartbeatIntervalMs?: number;
}

export interface PlanResult {
  readonly searches: SearchItem[];
  readonly usage: AgentUsage;
}

export interface SearchResult {
  readonly summary: string;
  /** Which search provider found the material ('openai-web-search', 'local-corpus'). */
  readonly searchProvider: string;
  readonly sources: SearchSource[];
  readonly usage: AgentUsage;
}

export interface WriteResult {
  readonly report: ResearchReportDraft;
  readonly usage: AgentUsage;
}

/**
 * The worker's activities, built from their clients so tests can pass their own.
 *
 * @example
 * const worker = await Worker.create({ taskQueue, workflowsPath, activities: createActivities(deps) });
 */
export function createActivities(deps: ActivityDependencies) {
  const schemaAttempts = deps.schemaAttempts ?? 2;
  const publisher = new CompletionPublisher(deps.producer, deps.topics);

  const usageOf = (agentModel: string, accepted: ModelCallUsage, rejected: ModelCallUsage, rejectedCalls: number): AgentUsage => {
    const inputTokens = accepted.inputTokens + rejected.inputTokens;
    const outputTokens = accepted.outputTokens + rejected.outputTokens;
    return {
      model: accepted.model || agentModel,
      calls: 1 + rejectedCalls,
      inputTokens,
      outputTokens,
      estimatedCostUsd: deps.prices.costUsd(accepted.model || agentModel, inputTokens, outputTokens),
    };
  };

  // Every activity heart-beats while it works: that is how Temporal tells it that its run was
  // cancelled (the model call is then aborted) and notices a worker that died mid-call.
  const guarded =
    <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const context = Context.current();
      const heartbeats = setInterval(() => context.heartbeat(), deps.heartbeatIntervalMs ?? 5000);
      try {
        return await run(...args);
      } catch (error) {
        if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
        throw toActivityFailure(error);
      } finally {
        clearInterval(heartbeats);
      }
    };
  const cancellation = (): AbortSignal => Context.current().cancellationSignal;

  return {
    /** Planner agent: the research question → 1–20 searches (5–20 unless the request caps them). */
    planSearches: guarded(async (input: { query: string; maxSearches?: number }): Promise<PlanResult> => withStageSpan('research.plan', { 'research.max_searches': input.maxSearches ?? 0 }, async () => {
      const result = await callStructured({
        prices: deps.prices,
        signal: cancellation(),
        client: deps.openai,
        agent: 'planner',
        model: deps.models.planner,
        instructions: plannerInstructions,
        input: plannerInput(input.query, input.maxSearches),
        schema: researchPlanSchema,
        schemaName: 'research_plan',
        schemaAttempts,
      });
      const searches = input.maxSearches === undefined ? result.value.searches : result.value.searches.slice(0, input.maxSearches);
      return { searches, usage: usageOf(deps.models.planner, result.usage, result.rejectedUsage, result.rejectedAnswers) };
    })),

    /** Searcher agent: one search → a 2–3 paragraph summary with its sources. */
    runSearch: guarded(async (input: { query: string; reason: string; index?: number }): Promise<SearchResult> =>
      withStageSpan(`research.search #${(input.index ?? 0) + 1}`, { 'research.search.query': input.query, 'research.search.provider': deps.searchProvider.name }, async () => {
      const material = await deps.searchProvider.gather(input.query, { maxSources: deps.maxSourcesPerSearch ?? 5 });
      const result = await callStructured({
        prices: deps.prices,
        signal: cancellation(),
        client: deps.openai,
        agent: 'searcher',
        model: deps.models.searcher,
        instructions: searcherInstructions,
        input: searcherInput(input.query, input.reason, material.context),
        schema: searchSummarySchema,
        schemaName: 'search_summary',
        schemaAttempts,
        ...(material.tools.length > 0 ? { tools: material.tools } : {}),
      });
      const sources = material.sources.length > 0 ? material.sources : sourcesFromAnnotations(result.output);
      return {
        summary: result.value.summary,
        searchProvider: deps.searchProvider.name,
        sources: sources.map((source) => ({ title: source.title, url: source.url })),
        usage: usageOf(deps.models.searcher, result.usage, result.rejectedUsage, result.rejectedAnswers),
      };
    })),

    /** Writer agent: the question and the search summaries → report, short summary, follow-ups. */
    writeReport: guarded(async (input: { query: string; findings: { query: string; summary: string }[] }): Promise<WriteResult> =>
      withStageSpan('research.write', { 'research.findings': input.findings.length }, async () => {
      const result = await callStructured({
        prices: deps.prices,
        signal: cancellation(),
        client: deps.openai,
        agent: 'writer',
        model: deps.models.writer,
        instructions: writerInstructions,
        input: writerInput(input.query, input.findings),
        schema: researchReportDraftSchema,
        schemaName: 'research_report',
        schemaAttempts,
      });
      return { report: result.value, usage: usageOf(deps.models.writer, result.usage, result.rejectedUsage, result.rejectedAnswers) };
    })),

    /** Publishes `research.completed`; safe to retry (same key and event id). */
    publishCompleted: guarded((draft: CompletedDraft, context: PublishContext) =>
      withStageSpan('research.publish', { 'research.outcome': 'completed', 'messaging.destination.name': deps.topics.completed }, () => publisher.publishCompleted(draft, context)),
    ),

    /** Publishes `research.failed`; safe to retry (same key and event id). */
    publishFailed: guarded((draft: FailedDraft, context: PublishContext) =>
      withStageSpan('research.publish', { 'research.outcome': 'failed', 'messaging.destination.name': deps.topics.failed }, () => publisher.publishFailed(draft, context)),
    ),
  };
}

export type ResearchActivities = ReturnType<typeof createActivities>;
