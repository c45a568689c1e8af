import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ResearchActivities, SearchResult } from '../activities/createActivities';
import type { SearchItem } from '../activities/plannerAgent';
import type { RunSettings } from '../src/config/runSettings';
import { capText, resultFieldLimits } from '../src/contracts/fieldLimits';
import type { SearchOutcome } from '../src/contracts/researchCompleted';
import { runCancelNoteSchema, runCancelNoteSignal } from '../src/contracts/runCancelNote';
import { boundedParallel } from './boundedParallel';
import { failedActivityUsage } from './failedActivityUsage';
import { researchProgressQuery } from './researchProgress';
import { ResearchRunState } from './researchRunState';
import { RunSpan } from './runSpan';
import { researchWorkflowInputSchema, type ParsedResearchWorkflowInput, type ResearchWorkflowInput } from './researchWorkflowInput';

/** What a finished run returns (the full result goes to Kafka as `research.completed`). */
export interface ResearchWorkflowResult {
  readonly eventId: string;
  readonly shortSummary: string;
  readonly searchesSucceeded: number;
  readonly searchesFailed: number;
}

/** The error type of a run whose every search failed (there is nothing to write from). */
export const allSearchesFailedType = 'AllSearchesFailedError';

type Agents = Pick<ResearchActivities, 'planSearches' | 'runSearch' | 'writeReport'>;
type Publisher = Pick<ResearchActivities, 'publishCompleted' | 'publishFailed'>;
interface SearchedItem {
  readonly item: SearchItem;
  readonly result?: SearchResult;
  readonly error?: string;
}

/**
 * One research run: plan → searches in parallel (bounded) → write → publish.
 * A search that still fails after its retries is recorded and skipped; if every search
 * fails, the run fails. Every failure, cancellation included, publishes `research.failed`
 * before the run ends. Timeouts, attempts and search concurrency are the worker's
 * (RunSettings), read once as the run begins.
 */
export async function ResearchWorkflow(rawInput: ResearchWorkflowInput): Promise<ResearchWorkflowResult> {
  const input = researchWorkflowInputSchema.parse(rawInput);
  const state = new ResearchRunState(input.trace.traceId);
  const runSpan = RunSpan.describe(input.request);
  setHandler(researchProgressQuery, () => state.progress());
  setHandler(runCancelNoteSignal, (note) => state.noteCancel(runCancelNoteSchema.safeParse(note).data?.reason));
  try {
    const settings = await runSettings(input);
    state.restartStageClock();
    const agents = agentActivities(settings);
    const searches = await plan(agents, input, state);
    const searched = await search(agents, searches, settings.searchConcurrency, state);
    const report = await write(agents, input, searched, state);
    state.enter('publish');
    // Once the completion is being published it is the run's one terminal event: a cancel
    // that arrives now waits for it instead of publishing research.failed beside it.
    const completed = () => publisher.publishCompleted(
      {
        ...resultCommon(input),
        report,
        searches: searched.map(searchOutcome),
        searchProvider: searched.find((entry) => entry.result)?.result?.searchProvider ?? 'unknown',
        usage: state.usage(),
        timings: { startedAt: new Date(state.startedAt).toISOString(), completedAt: new Date(Date.now()).toISOString(), durationMs: Date.now() - state.startedAt, stages: state.stageMs },
        models: state.models(),
      },
      input.trace,
    );
    // Runs started before 0.2.0 published cancellably: they replay as they ran.
    const published = patched(nonCancellablePublishPatch) ? await CancellationScope.nonCancellable(completed) : await completed();
    state.outcome = 'done';
    runSpan.answered(report.shortSummary);
    return { eventId: published.eventId, shortSummary: report.shortSummary, searchesSucceeded: state.succeeded, searchesFailed: state.failed };
  } catch (error) {
    state.outcome = 'failed';
    await publishFailure(input, state, error);
    throw error;
  }
}

/** The worker's run settings, read through a local activity so that replay sees the same values. */
const workerSettings = proxyLocalActivities<Pick<ResearchActivities, 'runSettings'>>({ startToCloseTimeout: '10 seconds' });

/**
 * The settings of this run. Runs started by 0.1.0 carried them in their input and have no
 * local-activity marker in their history: they keep their own (the patch marker tells the two
 * apart on replay), so an upgrade never strands a run in a nondeterminism error.
 */
async function runSettings(input: ParsedResearchWorkflowInput): Promise<RunSettings> {
  if (patched(workerRunSettingsPatch)) return workerSettings.runSettings();
  const legacy = input.tuning;
  return {
    searchConcurrency: legacy?.searchConcurrency ?? 5,
    llmActivityTimeoutMs: legacy?.llmActivityTimeoutMs ?? 600_000,
    llmActivityAttempts: legacy?.llmAttempts ?? 4,
    llmRetryInitialMs: legacy?.llmInitialRetryMs ?? 2000,
  };
}

/** Marks runs that read their settings from the worker (0.2.0 on). Remove once no 0.1.0 run is open. */
const workerRunSettingsPatch = 'worker-run-settings';
/** Marks runs whose completion, once being published, a cancel waits for. */
const nonCancellablePublishPatch = 'publish-completed-noncancellable';

/**
 * Publishing retries for as long as Kafka is away — no deadline, backoff capped at a minute —
 * so a result is never dropped; meanwhile the run's stage says `publish` and each failed
 * attempt is logged. Only an event that can never be published (it fails its own schema, or
 * Kafka refuses it for good) fails for good, and then research.failed takes its place.
 */
const publisher = proxyActivities<Publisher>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: ['EventInvalidError'] },
});

function agentActivities(settings: RunSettings): Agents {
  return proxyActivities<Agents>({
    startToCloseTimeout: settings.llmActivityTimeoutMs,
    // The activities beat every 5 s; a silent one is on a dead worker and is retried elsewhere.
    heartbeatTimeout: '30 seconds',
    retry: {
      initialInterval: settings.llmRetryInitialMs,
      backoffCoefficient: 2,
      maximumInterval: Math.max(settings.llmRetryInitialMs, 60_000),
      maximumAttempts: settings.llmActivityAttempts,
      nonRetryableErrorTypes: ['ModelOutputInvalidError', 'ConfigurationError'],
    },
  });
}

async function plan(agents: Agents, input: ParsedResearchWorkflowInput, state: ResearchRunState): Promise<SearchItem[]> {
  const { query, maxSearches } = input.request;
  const planned = await spending(state, 'planner', () => agents.planSearches({ query, ...(maxSearches !== undefined ? { maxSearches } : {}) }));
  state.recordPlanner(planned.usage, planned.searches.length);
  return planned.searches;
}

/** Runs an agent that the run cannot do without; if it fails for good, what it spent still counts. */
async function spending<T>(state: ResearchRunState, agent: 'planner' | 'writer', run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const spent = failedActivityUsage(error);
    if (spent) state.recordFailedAgent(agent, spent);
    throw error;
  }
}

/** Runs the planned searches, at most `concurrency` at once; fails the run only if all fail. */
async function search(agents: Agents, searches: SearchItem[], concurrency: number, state: ResearchRunState): Promise<SearchedItem[]> {
  state.enter('search');
  const searched = await boundedParallel(searches, concurrency, async (item, index): Promise<SearchedItem> => {
    try {
      const result = await agents.runSearch({ query: item.query, reason: item.reason, index });
      state.recordSearch(result.usage);
      return { item, result };
    } catch (error) {
      if (isCancellation(error)) throw error;
      state.recordSearch(undefined, failedActivityUsage(error));
      return { item, error: describeFailure(error).message };
    }
  });
  if (!searched.some((entry) => entry.result)) {
    const firstError = searched[0]?.error ?? 'none planned';
    throw ApplicationFailure.create({ type: allSearchesFailedType, message: `all ${searches.length} searches failed; first error: ${firstError}`, nonRetryable: true });
  }
  return searched;
}

async function write(agents: Agents, input: ParsedResearchWorkflowInput, searched: SearchedItem[], state: ResearchRunState) {
  state.enter('write');
  const findings = searched.flatMap(({ item, result }) => (result ? [{ query: item.query, summary: result.summary }] : []));
  const written = await spending(state, 'writer', () => agents.writeReport({ query: input.request.query, findings }));
  state.recordWriter(written.usage);
  return written.report;
}

/** Publishes `research.failed` — even when the run was cancelled: the scope must not inherit the cancellation. */
async function publishFailure(input: ParsedResearchWorkflowInput, state: ResearchRunState, error: unknown): Promise<void> {
  const cancelled = isCancellation(error);
  const cancelReason = cancelled ? state.cancelReason : undefined;
  await CancellationScope.nonCancellable(() =>
    publisher.publishFailed(
      {
        ...resultCommon(input),
        stage: state.stage,
        cancelled,
        ...(cancelReason !== undefined ? { cancelReason } : {}),
        error: describeFailure(error, cancelReason),
        usage: state.usage(),
        failedAt: new Date(Date.now()).toISOString(),
      },
      input.trace,
    ),
  );
}

/** The fields every result event of this run shares. */
function resultCommon(input: ParsedResearchWorkflowInput) {
  const { workflowId, runId } = workflowInfo();
  const { request } = input;
  return {
    requestId: request.requestId,
    workflowId,
    runId,
    traceId: input.trace.traceId,
    query: request.query,
    ...(input.epoch !== undefined ? { epoch: input.epoch } : {}),
    ...(request.metadata ? { metadata: request.metadata } : {}),
  };
}

function searchOutcome({ item, result, error }: SearchedItem): SearchOutcome {
  const query = capText(item.query, resultFieldLimits.searchQuery);
  const reason = capText(item.reason, resultFieldLimits.searchReason);
  return { query, reason, succeeded: result !== undefined, ...(error !== undefined ? { error } : {}), sources: result?.sources ?? [] };
}

/** The innermost application failure's type and message (cut to its cap): what went wrong, not where. */
function describeFailure(error: unknown, cancelReason?: string): { type: string; message: string } {
  const { type, message } = innermostFailure(error, cancelReason);
  return { type, message: capText(message, resultFieldLimits.errorMessage) };
}

function innermostFailure(error: unknown, cancelReason?: string): { type: string; message: string } {
  let current: unknown = error;
  while (current instanceof ActivityFailure && current.cause) current = current.cause;
  if (current instanceof ApplicationFailure) return { type: current.type ?? 'ApplicationFailure', message: current.message };
  if (isCancellation(error)) return { type: 'Cancelled', message: cancelReason === undefined ? 'the run was cancelled' : `the run was cancelled: ${cancelReason}` };
  if (current instanceof Error) return { type: current.name, message: current.message };
  return { type: 'Error', message: String(current) };
}
