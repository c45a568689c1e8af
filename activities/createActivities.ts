import { Context } from '@temporalio/activity';
import type { Producer } from 'kafkajs';
import type OpenAI from 'openai';
import type { ModelApi, TopicNames } from '../src/config/relayConfig';
import type { RunSettings } from '../src/config/runSettings';
import type { AgentUsage } from '../src/contracts/researchUsage';
import type { PriceTable } from '../src/llm/priceTable';
import { callStructured } from '../src/llm/structuredResponse';
import type { UsageMeter } from '../src/llm/usageMeter';
import type { Logger } from '../src/logging/logger';
import { EventInvalidError } from '../src/errors';
import { sourcesFromAnnotations } from '../src/search/openaiWebSearch';
import type { SearchProvider, SearchSource } from '../src/search/searchProvider';
import { contentAttributes } from '../src/telemetry/contentPolicy';
import { recordRunCompleted, recordRunFailed } from '../src/telemetry/relayMetrics';
import { withStageSpan } from '../src/telemetry/stageSpan';
import { checkCallBudget, type CallBudget, type Spend } from '../src/llm/callBudget';
import { agentUsage, failedAttemptsUsage } from './agentUsage';
import { callAllowances, outputTokenAllowances, type CallAllowances } from './callAllowances';
import { CompletionPublisher, type CompletedDraft, type FailedDraft, type PublishContext } from './completionPublisher';
import { activityCancellation, heartbeating, meteredHeartbeating } from './heartbeatingActivity';
import { cappedSearches, plannerInput, plannerInstructions, researchPlanSchema, type SearchItem } from './plannerAgent';
import { cappedSources, cappedSummary, searcherInput, searcherInstructions, searchSummarySchema } from './searcherAgent';
import { ProgressPublisher, type ProgressDraft } from './progressPublisher';
import { cappedReport, researchReportDraftSchema, writerInput, writerInstructions, type ResearchReportDraft } from './writerAgent';

export interface ActivityDependencies {
  readonly openai: OpenAI;
  /** The model API the agents speak (MODEL_API, MODEL_TOKEN_LIMIT_FIELD); absent: the Responses API. */
  readonly modelApi?: { readonly api: ModelApi; readonly tokenLimitField: 'max_completion_tokens' | 'max_tokens' };
  readonly searchProvider: SearchProvider;
  readonly producer: Producer;
  readonly topics: TopicNames;
  readonly models: { readonly planner: string; readonly searcher: string; readonly writer: string };
  readonly prices: PriceTable;
  readonly logger: Logger;
  /** The worker's run settings, handed to each run as it begins. */
  readonly runSettings: RunSettings;
  /** Result events are fitted into this many bytes of JSON (RESULT_MAX_EVENT_BYTES). */
  readonly resultMaxEventBytes?: number;
  /** How often a working activity heart-beats (default 5 s; the workflow allows 30 s between beats). */
  readonly heartbeatIntervalMs?: number;
  /** How long a progress publish waits for Kafka before the batch is dropped (default 3 s). */
  readonly progressWaitMs?: number;
}

/**
 * What a run learns from its worker as it begins: the worker's settings, and what each agent
 * call is allowed for in budget checks. Runs started before 0.4.0 recorded the settings alone
 * (no allowances, no default budget) and replay with them.
 */
export type WorkerRunSettings = RunSettings & { readonly callAllowances?: CallAllowances };

export interface PlanResult {
  readonly searches: SearchItem[];
  readonly usage: AgentUsage;
}

export interface SearchResult {
  readonly summary: string;
  /** Which search provider found the material ('openai-web-search', 'local-corpus'). */
  readonly searchProvider: string;
  readonly sources: SearchSource[];
  /** Present (true) when the answer named no source: the summary stands on the model's word alone. */
  readonly unsourced?: true;
  readonly usage: AgentUsage;
}

export interface WriteResult {
  readonly report: ResearchReportDraft;
  readonly usage: AgentUsage;
}

type AgentName = 'planner' | 'searcher' | 'writer';

/** Answers failing their schema accepted per activity attempt before the attempt fails for good. */
const schemaAttempts = 2;
/** Sources handed to a searcher per search (local corpus). */
const maxSourcesPerSearch = 5;

/**
 * The worker's activities, built from their clients so tests can pass their own.
 *
 * @example
 * const worker = await Worker.create({ taskQueue, workflowsPath, activities: createActivities(deps) });
 */
export function createActivities(deps: ActivityDependencies) {
  const publisher = new CompletionPublisher(deps.producer, deps.topics, { maxEventBytes: deps.resultMaxEventBytes });
  const progress = new ProgressPublisher(deps.producer, deps.topics.progress, deps.progressWaitMs !== undefined ? { waitMs: deps.progressWaitMs } : {});
  const settings: WorkerRunSettings = { ...deps.runSettings, callAllowances: callAllowances(deps.models, deps.prices, deps.searchProvider, schemaAttempts * deps.runSettings.llmActivityAttempts) };
  const intervalMs = deps.heartbeatIntervalMs ?? 5000;
  const activity = <A extends unknown[], R>(run: (...args: A) => Promise<R>) => heartbeating(intervalMs, run);
  /** An agent activity: its model calls are metered across attempts (see meteredHeartbeating). */
  const agent = <A extends unknown[], R>(name: AgentName, run: (meter: UsageMeter, ...args: A) => Promise<R>) =>
    meteredHeartbeating(intervalMs, (spent) => failedAttemptsUsage(deps.models[name], spent, deps.prices), run);
  return {
    /** Local activity: the worker's settings for the run that asks (recorded in its history). */
    runSettings: (): Promise<WorkerRunSettings> => Promise.resolve(settings),
    /** Planner agent: the research question → 1–20 searches (5–20 unless the request caps them). */
    planSearches: agent('planner', (meter, input: { query: string; maxSearches?: number; budget?: CallBudget }) => planSearches(deps, meter, input)),
    /** Searcher agent: one search → a 2–3 paragraph summary with its sources. */
    runSearch: agent('searcher', (meter, input: { query: string; reason: string; index?: number; budget?: CallBudget }) => runSearch(deps, meter, input)),
    /** Writer agent: the question and the search summaries → report, short summary, follow-ups. */
    writeReport: agent('writer', (meter, input: { query: string; findings: { query: string; summary: string }[]; budget?: CallBudget }) => writeReport(deps, meter, input)),
    /**
     * Publishes `research.completed`, then the run's last progress steps if given (best effort:
     * see publishProgressAfter); safe to retry (same keys and event ids). Counted once sent.
     */
    publishCompleted: activity((draft: CompletedDraft, context: PublishContext, lastSteps?: ProgressDraft[]) =>
      withStageSpan('research.publish', 'CHAIN', { 'research.outcome': 'completed', 'messaging.destination.name': deps.topics.completed }, async () => {
        const published = await loggingFailures(runLogger(deps, draft), () => publisher.publishCompleted(draft, context));
        recordRunCompleted(draft.timings);
        await publishProgressAfter(lastSteps, context);
        return published;
      }),
    ),
    /** Publishes `research.failed`, then the run's last progress steps if given, like publishCompleted. */
    publishFailed: activity((draft: FailedDraft, context: PublishContext, lastSteps?: ProgressDraft[]) =>
      withStageSpan('research.publish', 'CHAIN', { 'research.outcome': 'failed', 'messaging.destination.name': deps.topics.failed }, async () => {
        const published = await loggingFailures(runLogger(deps, draft), () => publisher.publishFailed(draft, context));
        recordRunFailed({ stage: draft.stage, errorType: draft.error.type, cancelled: draft.cancelled });
        await publishProgressAfter(lastSteps, context);
        return published;
      }),
    ),
    /**
     * Publishes a batch of the run's progress events, waiting at most a few seconds for Kafka.
     * Best effort: the workflow drops a batch that fails (see ProgressPublisher).
     */
    publishProgress: activity((drafts: ProgressDraft[], context: PublishContext) => publishProgress(drafts, context)),
  };

  async function publishProgress(drafts: ProgressDraft[], context: PublishContext): Promise<{ published: number; topic: string }> {
    try {
      return await progress.publish(drafts, context);
    } catch (error) {
      const first = drafts[0];
      deps.logger.warn('publishing progress failed; the run goes on without it', { requestId: first?.requestId, workflowId: first?.workflowId, steps: drafts.map((draft) => draft.step), error });
      throw error;
    }
  }

  /**
   * The last progress steps of a run whose result is out: published once, with no retry of
   * their own — a failure is logged and dropped, never failing the result's publish (whose
   * retry would publish the result again) — as a dropped progress batch is.
   */
  async function publishProgressAfter(lastSteps: ProgressDraft[] | undefined, context: PublishContext): Promise<void> {
    if (!lastSteps || lastSteps.length === 0) return;
    await publishProgress(lastSteps, context).catch(() => undefined);
  }
}

export type ResearchActivities = ReturnType<typeof createActivities>;

function planSearches(deps: ActivityDependencies, meter: UsageMeter, input: { query: string; maxSearches?: number; budget?: CallBudget }): Promise<PlanResult> {
  return withStageSpan('research.plan', 'AGENT', { 'research.max_searches': input.maxSearches ?? 0 }, async () => {
    const result = await callStructured({
      ...modelCall(deps, 'planner', meter, input.budget),
      instructions: plannerInstructions,
      input: plannerInput(input.query, input.maxSearches),
      schema: researchPlanSchema,
      schemaName: 'research_plan',
    });
    const searches = input.maxSearches === undefined ? result.value.searches : result.value.searches.slice(0, input.maxSearches);
    return { searches: cappedSearches(searches), usage: agentUsage(deps.models.planner, result, meter, deps.prices) };
  });
}

function runSearch(deps: ActivityDependencies, meter: UsageMeter, input: { query: string; reason: string; index?: number; budget?: CallBudget }): Promise<SearchResult> {
  // The query is the planner's output, derived from the question: content, recorded only if allowed.
  const attributes = { 'research.search.provider': deps.searchProvider.name, ...contentAttributes({ 'research.search.query': input.query }) };
  return withStageSpan(`research.search #${(input.index ?? 0) + 1}`, 'AGENT', attributes, async () => {
    const material = await withStageSpan(`retrieve ${deps.searchProvider.name}`, 'RETRIEVER', { 'research.search.provider': deps.searchProvider.name }, () =>
      deps.searchProvider.gather(input.query, { maxSources: maxSourcesPerSearch, signal: activityCancellation() }),
    );
    const result = await callStructured({
      ...modelCall(deps, 'searcher', meter, input.budget),
      instructions: searcherInstructions,
      input: searcherInput(input.query, input.reason, material.context),
      schema: searchSummarySchema,
      schemaName: 'search_summary',
      ...(material.tools.length > 0 ? { tools: material.tools } : {}),
    });
    // Capped first: a source dropped by the cap (an over-long url) is no source for the flag either.
    const sources = cappedSources(material.sources.length > 0 ? material.sources : sourcesFromAnnotations(result.output));
    return {
      summary: cappedSummary(result.value.summary),
      searchProvider: deps.searchProvider.name,
      sources,
      ...(sources.length === 0 ? { unsourced: true as const } : {}),
      usage: agentUsage(deps.models.searcher, result, meter, deps.prices),
    };
  });
}

function writeReport(deps: ActivityDependencies, meter: UsageMeter, input: { query: string; findings: { query: string; summary: string }[]; budget?: CallBudget }): Promise<WriteResult> {
  return withStageSpan('research.write', 'AGENT', { 'research.findings': input.findings.length }, async () => {
    const result = await callStructured({
      ...modelCall(deps, 'writer', meter, input.budget),
      instructions: writerInstructions,
      input: writerInput(input.query, input.findings),
      schema: researchReportDraftSchema,
      schemaName: 'research_report',
    });
    return { report: cappedReport(result.value), usage: agentUsage(deps.models.writer, result, meter, deps.prices) };
  });
}

/** The logger of one activity invocation, bound to its run. */
function runLogger(deps: ActivityDependencies, run: { readonly requestId: string; readonly workflowId: string }): Logger {
  return deps.logger.child({ requestId: run.requestId, workflowId: run.workflowId });
}

/** Logs a failed publish attempt (Temporal retries it for as long as Kafka is away). */
async function loggingFailures<T>(logger: Logger, publish: () => Promise<T>): Promise<T> {
  try {
    return await publish();
  } catch (error) {
    // EventInvalidError is not retried (the workflow publishes research.failed in its place).
    const forGood = error instanceof EventInvalidError;
    logger.warn(forGood ? 'publishing a result failed for good; research.failed takes its place' : 'publishing a result failed; it is retried until Kafka takes it', { attempt: Context.current().info.attempt, error });
    throw error;
  }
}

/** What every agent's model call shares: client and its API, model, prices, cancellation, schema attempts. */
function modelCall(deps: ActivityDependencies, agent: AgentName, meter: UsageMeter, budget: CallBudget | undefined) {
  const model = deps.models[agent];
  const beforeCall = budget ? () => checkCallBudget(budget, spendOf(failedAttemptsUsage(model, meter.failedAttempts(), deps.prices)), agent) : undefined;
  // With a budget, every call is checked first: the SDK does not retry on its own (a timed-out
  // call is billed), Temporal's next attempt does, through the check.
  const budgeted = beforeCall ? { beforeCall, maxOutputTokens: outputTokenAllowances[agent], maxRetries: 0 } : {};
  return { client: deps.openai, ...deps.modelApi, agent, model, prices: deps.prices, signal: activityCancellation(), schemaAttempts, meter, ...budgeted };
}

/** What calls whose answers were not used cost: a retry's call adds to it. */
function spendOf(usage: AgentUsage): Spend & { calls: number } {
  return { calls: usage.calls, tokens: usage.inputTokens + usage.outputTokens, costUsd: usage.estimatedCostUsd };
}
