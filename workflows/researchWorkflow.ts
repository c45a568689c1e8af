import type { ActivityOptions, Priority } from '@temporalio/common';
import { CancellationScope, isCancellation, patched, proxyActivities, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { begunRunPriority } from './begunRunPriority';
import { underCeiling } from './budgetCeiling';
import type { ResearchActivities, WorkerRunSettings } from '../activities/createActivities';
import type { SearchItem } from '../activities/plannerAgent';
import { capText, resultFieldLimits } from '../src/contracts/fieldLimits';
import type { SearchOutcome } from '../src/contracts/researchCompleted';
import { runCancelNoteSchema, runCancelNoteSignal } from '../src/contracts/runCancelNote';
import type { RunBudget } from '../src/contracts/runBudget';
import { activityBudgetStop, failedActivityUsage } from './failedActivityUsage';
import { describeFailure } from './failureDescription';
import { ProgressReporter } from './progressReporter';
import { researchProgressQuery } from './researchProgress';
import { ResearchRunState } from './researchRunState';
import { RunBudgetGuard } from './runBudget';
import { RunSpan } from './runSpan';
import { runSearchStage, type SearchedItem } from './searchStage';
import { researchWorkflowInputSchema, type ParsedResearchWorkflowInput, type ResearchWorkflowInput } from './researchWorkflowInput';

export { allSearchesFailedType } from './searchStage';

/** What a finished run returns (the full result goes to Kafka as `research.completed`). */
export interface ResearchWorkflowResult {
  readonly eventId: string;
  readonly shortSummary: string;
  readonly searchesSucceeded: number;
  readonly searchesFailed: number;
}

type Agents = Pick<ResearchActivities, 'planSearches' | 'runSearch' | 'writeReport'>;
type Publisher = Pick<ResearchActivities, 'publishCompleted' | 'publishFailed'>;

/** What the stages of one run share: its input, state, agents, budget and progress. */
interface Run {
  readonly input: ParsedResearchWorkflowInput;
  readonly state: ResearchRunState;
  readonly agents: Agents;
  readonly budget: RunBudgetGuard | undefined;
  readonly progress: ProgressReporter;
}

/**
 * One research run: plan → searches in parallel (bounded) → write → publish, reporting its
 * progress as it goes. A search that still fails after its retries is recorded and skipped; if
 * every search fails, the run fails. With a budget, a stage that would exceed it is not started
 * and the run fails with BudgetExceededError. Every failure, cancellation included, publishes
 * `research.failed` before the run ends. Timeouts, attempts, search concurrency, the default
 * budget and its ceiling are the worker's (RunSettings), read once as the run begins.
 */
export async function ResearchWorkflow(rawInput: ResearchWorkflowInput): Promise<ResearchWorkflowResult> {
  const input = researchWorkflowInputSchema.parse(rawInput);
  const state = new ResearchRunState(input.trace.traceId);
  const runSpan = RunSpan.describe(input.request);
  setHandler(researchProgressQuery, () => state.progress());
  setHandler(runCancelNoteSignal, (note) => state.noteCancel(runCancelNoteSchema.safeParse(note).data?.reason));
  // First, before any other command: a run that records this marker has every change below.
  const since = sinceChecker(patched(leanRunPatch));
  let budget: RunBudgetGuard | undefined;
  let progress = new ProgressReporter(false, { requestId: input.request.requestId, trace: input.trace }, state);
  try {
    const settings = await runSettings(input, since);
    // Runs started before 0.4.0 have neither marker: they replay without budget and progress.
    // The ceiling comes with the recorded settings: runs recorded without one replay as they ran.
    const { requested, fallback } = underCeiling(input.request.budget, settings.defaultBudget, settings.budgetCeiling);
    budget = RunBudgetGuard.of(requested, fallback, settings.callAllowances, since(runBudgetPatch));
    progress = new ProgressReporter(since(progressEventsPatch), { requestId: input.request.requestId, epoch: input.epoch, trace: input.trace, budget: budget?.limits }, state, since.lean);
    runSpan.budgeted(budget?.limits);
    state.restartStageClock();
    const run: Run = { input, state, agents: agentActivities(settings, since.lean ? begunRunPriority() : undefined), budget, progress };
    const searches = await plan(run);
    const searched = await runSearchStage({ agents: run.agents, concurrency: settings.searchConcurrency, state, budget, progress }, searches);
    const report = await write(run, searched);
    const published = await publishCompletion(run, report, searched, since);
    state.outcome = 'done';
    runSpan.answered(report.shortSummary);
    runSpan.spent(state.usage(), budget?.stop);
    await progress.settled();
    return { eventId: published.eventId, shortSummary: report.shortSummary, searchesSucceeded: state.succeeded, searchesFailed: state.failed };
  } catch (error) {
    state.outcome = 'failed';
    await publishFailure(input, state, error, budget, progress, since);
    runSpan.spent(state.usage(), budget?.stop);
    await progress.settled();
    throw error;
  }
}

/** Publishes `research.completed` and reports it; a cancel arriving meanwhile waits for it. */
async function publishCompletion({ input, state, budget, progress }: Run, report: Awaited<ReturnType<typeof write>>, searched: SearchedItem[], since: Since): Promise<{ eventId: string }> {
  state.enter('publish');
  const last = progress.lastStep('published', { outcome: 'completed' });
  // Once the completion is being published it is the run's one terminal event: a cancel
  // that arrives now waits for it instead of publishing research.failed beside it.
  const completed = () =>
    publisherOf(since).publishCompleted(
      {
        ...resultCommon(input, budget?.limits),
        report,
        searches: searched.map(searchOutcome),
        searchProvider: searched.find((entry) => entry.result)?.result?.searchProvider ?? 'unknown',
        usage: state.usage(),
        timings: { startedAt: new Date(state.startedAt).toISOString(), completedAt: new Date(Date.now()).toISOString(), durationMs: Date.now() - state.startedAt, stages: state.stageMs },
        models: state.models(),
      },
      input.trace,
      ...last.withResult,
    );
  // Runs started before 0.2.0 published cancellably: they replay as they ran.
  const published = since(nonCancellablePublishPatch) ? await CancellationScope.nonCancellable(completed) : await completed();
  last.published();
  return published;
}

/** The worker's run settings, read through a local activity so that replay sees the same values. */
const workerSettings = proxyLocalActivities<Pick<ResearchActivities, 'runSettings'>>({ startToCloseTimeout: '10 seconds' });

/**
 * The settings of this run. Runs started by 0.1.0 carried them in their input and have no
 * local-activity marker in their history: they keep their own (the patch marker tells the two
 * apart on replay), so an upgrade never strands a run in a nondeterminism error.
 */
async function runSettings(input: ParsedResearchWorkflowInput, since: Since): Promise<WorkerRunSettings> {
  if (since(workerRunSettingsPatch)) return workerSettings.runSettings();
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
/** Marks runs that keep a budget (0.4.0 on): a run started earlier never stops for one on replay. */
const runBudgetPatch = 'run-budget';
/** Marks runs that publish research.progress (0.4.0 on): their progress activities are in the history. */
const progressEventsPatch = 'progress-events';
/**
 * Marks runs started after 0.4.0. One marker stands for every patch above — each marker also
 * cost the history a search-attribute upsert, eight events a run — and such a run publishes
 * its last progress step with its result when no earlier step is still on its way, instead of
 * by an activity (and a workflow task) of its own. Runs started earlier have no such marker:
 * they check the patches above one by one and publish their last step as they did.
 */
const leanRunPatch = 'lean-run';

/** Whether this run has the change a patch marks: a lean run has them all, an earlier run those it recorded. */
type Since = ((patchId: string) => boolean) & { readonly lean: boolean };

function sinceChecker(lean: boolean): Since {
  return Object.assign((patchId: string) => lean || patched(patchId), { lean });
}

/**
 * Publishing retries for as long as Kafka is away — no deadline, backoff capped at a minute —
 * so a result is never dropped; meanwhile the run's stage says `publish` and each failed
 * attempt is logged. Only an event that can never be published (it fails its own schema, or
 * Kafka refuses it for good) fails for good, and then research.failed takes its place.
 */
const publisherOptions: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: ['EventInvalidError'] },
};

/** A run started after 0.4.0 publishes its result at its begun-run priority; earlier ones as they ran. */
function publisherOf(since: Since): Publisher {
  return proxyActivities<Publisher>(since.lean ? { ...publisherOptions, priority: begunRunPriority() } : publisherOptions);
}

/** The planner at the run's own priority; with `begun`, the searches and the writer at that one. */
function agentActivities(settings: WorkerRunSettings, begun: Priority | undefined): Agents {
  const first = proxyActivities<Agents>(agentOptions(settings));
  if (!begun) return first;
  const later = proxyActivities<Agents>({ ...agentOptions(settings), priority: begun });
  return { planSearches: first.planSearches, runSearch: later.runSearch, writeReport: later.writeReport };
}

function agentOptions(settings: WorkerRunSettings): ActivityOptions {
  return {
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
  };
}

async function plan({ input, state, agents, budget, progress }: Run): Promise<SearchItem[]> {
  const { query, maxSearches } = input.request;
  const callBudget = budget?.checkStage('plan', state.usage(), budget.planEstimate(query));
  const planned = await spending(state, 'planner', budget, () => agents.planSearches({ query, ...(maxSearches !== undefined ? { maxSearches } : {}), ...(callBudget ? { budget: callBudget } : {}) }));
  state.recordPlanner(planned.usage, planned.searches.length);
  progress.report('planned');
  return planned.searches;
}

/**
 * Runs an agent that the run cannot do without; if it fails for good, what it spent still
 * counts, and a call its budget refused is the run's budget stop.
 */
async function spending<T>(state: ResearchRunState, agent: 'planner' | 'writer', budget: RunBudgetGuard | undefined, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const spent = failedActivityUsage(error);
    if (spent) state.recordFailedAgent(agent, spent);
    const stop = activityBudgetStop(error);
    if (budget && stop) budget.stop = stop;
    throw error;
  }
}

async function write({ input, state, agents, budget, progress }: Run, searched: SearchedItem[]) {
  state.enter('write');
  const findings = searched.flatMap(({ item, result }) => (result ? [{ query: item.query, summary: result.summary }] : []));
  const callBudget = budget?.checkStage('write', state.usage(), budget.writeEstimate(input.request.query, findings));
  progress.report('writing');
  const written = await spending(state, 'writer', budget, () => agents.writeReport({ query: input.request.query, findings, ...(callBudget ? { budget: callBudget } : {}) }));
  state.recordWriter(written.usage);
  return written.report;
}

/** Publishes `research.failed` — even when the run was cancelled: the scope must not inherit the cancellation. */
async function publishFailure(input: ParsedResearchWorkflowInput, state: ResearchRunState, error: unknown, budget: RunBudgetGuard | undefined, progress: ProgressReporter, since: Since): Promise<void> {
  const cancelled = isCancellation(error);
  const cancelReason = cancelled ? state.cancelReason : undefined;
  const last = progress.lastStep('published', { outcome: 'failed' });
  await CancellationScope.nonCancellable(() =>
    publisherOf(since).publishFailed(
      {
        ...resultCommon(input, budget?.limits),
        stage: state.stage,
        cancelled,
        ...(cancelReason !== undefined ? { cancelReason } : {}),
        error: describeFailure(error, cancelReason),
        usage: state.usage(),
        failedAt: new Date(Date.now()).toISOString(),
        ...(budget?.stop ? { budgetStop: budget.stop } : {}),
      },
      input.trace,
      ...last.withResult,
    ),
  );
  last.published();
}

/** The fields every result event of this run shares. */
function resultCommon(input: ParsedResearchWorkflowInput, budget: RunBudget | undefined) {
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
    ...(budget ? { budget } : {}),
  };
}

function searchOutcome({ item, result, error }: SearchedItem): SearchOutcome {
  const query = capText(item.query, resultFieldLimits.searchQuery);
  const reason = capText(item.reason, resultFieldLimits.searchReason);
  const unsourced = result?.unsourced === true ? { unsourced: true as const } : {};
  return { query, reason, succeeded: result !== undefined, ...(error !== undefined ? { error } : {}), sources: result?.sources ?? [], ...unsourced };
}
