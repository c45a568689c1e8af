import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ResearchActivities, SearchResult } from '../activities/createActivities';
import type { SearchItem } from '../activities/plannerAgent';
import type { SearchOutcome } from '../src/contracts/researchCompleted';
import type { ResearchStage } from '../src/contracts/researchFailed';
import type { AgentUsage } from '../src/contracts/researchUsage';
import { boundedParallel } from './boundedParallel';
import { researchProgressQuery, type ResearchProgress } from './researchProgress';
import { researchWorkflowInputSchema, type ResearchWorkflowInput } from './researchWorkflowInput';
import { researchUsage, sumAgentUsage } from './usageTotals';

/** What a finished run returns (the full result goes to Kafka as `research.completed`). */
export interface ResearchWorkflowResult {
  readonly eventId: string;
  readonly shortSummary: string;
  readonly searchesSucceeded: number;
  readonly searchesFailed: number;
}

/**
 * One research run: plan → searches in parallel (bounded) → write → publish.
 * A search that still fails after its retries is recorded and skipped; if every search
 * fails, the run fails. Every failure, cancellation included, publishes `research.failed`
 * before the run ends.
 */
export async function ResearchWorkflow(rawInput: ResearchWorkflowInput): Promise<ResearchWorkflowResult> {
  const input = researchWorkflowInputSchema.parse(rawInput);
  const { request, tuning } = input;
  const { workflowId, runId } = workflowInfo();
  const traceId = input.trace.traceparent.split('-')[1] ?? '';
  const publishContext = { traceparent: input.trace.traceparent, ...(input.trace.tracestate ? { tracestate: input.trace.tracestate } : {}) };

  const agents = proxyActivities<ResearchActivities>({
    startToCloseTimeout: tuning.llmActivityTimeoutMs,
    // The activities beat every 5 s; a silent one is on a dead worker and is retried elsewhere.
    heartbeatTimeout: '30 seconds',
    retry: {
      initialInterval: tuning.llmInitialRetryMs,
      backoffCoefficient: 2,
      maximumInterval: Math.max(tuning.llmInitialRetryMs, 60_000),
      maximumAttempts: tuning.llmAttempts,
      nonRetryableErrorTypes: ['ModelOutputInvalidError', 'ConfigurationError'],
    },
  });
  // Publishing retries until Kafka takes the event (for up to a day): a result is never dropped.
  const publisher = proxyActivities<ResearchActivities>({
    startToCloseTimeout: '1 minute',
    heartbeatTimeout: '30 seconds',
    scheduleToCloseTimeout: '24 hours',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });

  let stage: ResearchStage = 'plan';
  let outcome: 'done' | 'failed' | undefined;
  let planned = 0;
  let succeeded = 0;
  let failed = 0;
  let plannerUsage: AgentUsage | undefined;
  const searcherUsages: AgentUsage[] = [];
  let writerUsage: AgentUsage | undefined;
  setHandler(researchProgressQuery, (): ResearchProgress => ({
    stage: outcome ?? stage,
    searchesPlanned: planned,
    searchesSucceeded: succeeded,
    searchesFailed: failed,
    traceId,
  }));

  const startedAt = Date.now();
  const common = {
    requestId: request.requestId,
    workflowId,
    runId,
    traceId,
    query: request.query,
    ...(input.epoch !== undefined ? { epoch: input.epoch } : {}),
    ...(request.metadata ? { metadata: request.metadata } : {}),
  };

  try {
    const plan = await agents.planSearches({ query: request.query, ...(request.maxSearches !== undefined ? { maxSearches: request.maxSearches } : {}) });
    plannerUsage = plan.usage;
    planned = plan.searches.length;
    const planMs = Date.now() - startedAt;

    stage = 'search';
    const searchStartedAt = Date.now();
    const results = await boundedParallel(plan.searches, tuning.searchConcurrency, async (item: SearchItem, index: number) => {
      try {
        const result = await agents.runSearch({ query: item.query, reason: item.reason, index });
        succeeded += 1;
        searcherUsages.push(result.usage);
        return { item, result };
      } catch (error) {
        if (isCancellation(error)) throw error;
        failed += 1;
        return { item, error: describeFailure(error).message };
      }
    });
    const searchMs = Date.now() - searchStartedAt;
    const outcomes: SearchOutcome[] = results.map(({ item, result, error }: { item: SearchItem; result?: SearchResult; error?: string }) => ({
      query: item.query,
      reason: item.reason,
      succeeded: result !== undefined,
      ...(error !== undefined ? { error } : {}),
      sources: result?.sources ?? [],
    }));
    const findings = results.flatMap(({ item, result }) => (result ? [{ query: item.query, summary: result.summary }] : []));
    if (findings.length === 0) {
      throw ApplicationFailure.create({
        type: 'AllSearchesFailedError',
        message: `all ${planned} searches failed; first error: ${outcomes[0]?.error ?? 'none planned'}`,
        nonRetryable: true,
      });
    }

    stage = 'write';
    const writeStartedAt = Date.now();
    const written = await agents.writeReport({ query: request.query, findings });
    writerUsage = written.usage;
    const writeMs = Date.now() - writeStartedAt;

    stage = 'publish';
    const searcherUsage = sumAgentUsage(searcherUsages);
    const published = await publisher.publishCompleted(
      {
        ...common,
        report: written.report,
        searches: outcomes,
        searchProvider: results.find((entry) => entry.result)?.result?.searchProvider ?? 'unknown',
        usage: researchUsage({ planner: plannerUsage, searcher: searcherUsage, writer: writerUsage }),
        timings: {
          startedAt: new Date(startedAt).toISOString(),
          completedAt: new Date(Date.now()).toISOString(),
          durationMs: Date.now() - startedAt,
          stages: { planMs, searchMs, writeMs },
        },
        models: { planner: plannerUsage.model, searcher: searcherUsage?.model ?? 'none', writer: writerUsage.model },
      },
      publishContext,
    );
    outcome = 'done';
    return { eventId: published.eventId, shortSummary: written.report.shortSummary, searchesSucceeded: succeeded, searchesFailed: failed };
  } catch (error) {
    outcome = 'failed';
    const failure = describeFailure(error);
    // Publish even when the run was cancelled: the scope must not inherit the cancellation.
    await CancellationScope.nonCancellable(() =>
      publisher.publishFailed(
        {
          ...common,
          stage,
          cancelled: isCancellation(error),
          error: failure,
          usage: researchUsage({ planner: plannerUsage, searcher: sumAgentUsage(searcherUsages), writer: writerUsage }),
          failedAt: new Date(Date.now()).toISOString(),
        },
        publishContext,
      ),
    );
    throw error;
  }
}

/** The innermost application failure's type and message: what went wrong, not where. */
function describeFailure(error: unknown): { type: string; message: string } {
  let current: unknown = error;
  while (current instanceof ActivityFailure && current.cause) current = current.cause;
  if (current instanceof ApplicationFailure) return { type: current.type ?? 'ApplicationFailure', message: current.message };
  if (isCancellation(error)) return { type: 'Cancelled', message: 'the run was cancelled' };
  if (current instanceof Error) return { type: current.name, message: current.message };
  return { type: 'Error', message: String(current) };
}
