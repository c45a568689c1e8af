import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import type { RunBudget } from '../../src/contracts/runBudget';
import type { ResearchWorkflow } from '../../workflows/researchWorkflow';
import { FakeAgents, fakeAllowances, traceparent } from '../support/fakeAgents';
import { sharedWorkflowBundle } from '../support/sharedWorkflowBundle';
import { eventually, uniqueName } from '../support/testInfrastructure';
import { startTestWorker, type TestWorker } from '../support/testWorker';

/**
 * Budget arithmetic of these tests: a fake call spends `t` tokens in and `t` out at a
 * micro-dollar a token (planner 10, each search `searchTokens`, writer 20); allowances are
 * prompt + output tokens per call, plus a token per character of the input the workflow adds.
 */
const allowances = fakeAllowances({ planner: [100, 100], searcher: [50, 50], writer: [300, 300] });

describe('ResearchWorkflow progress and budgets, with fake agents on a real worker', () => {
  const taskQueue = uniqueName('wf-progress');
  const agents = new FakeAgents();
  const defaults = { ...agents.settings, callAllowances: allowances };
  let client: Client;
  let worker: TestWorker;

  before(async () => {
    worker = await startTestWorker({ taskQueue, workflowBundle: await sharedWorkflowBundle(), activities: agents.activities() });
    client = worker.client;
  });
  // Also after a failed before(): there is no worker to stop.
  after(async () => {
    await (worker as TestWorker | undefined)?.stop();
  });

  const start = (requestId: string, extra: Record<string, unknown> = {}) =>
    client.workflow.start<typeof ResearchWorkflow>('ResearchWorkflow', {
      taskQueue,
      workflowId: uniqueName(requestId),
      args: [{ request: { requestId, query: `question ${requestId}`, ...extra }, trace: { traceparent } }],
    });

  /** Runs a request the budget stops; returns its research.failed draft after checking the cause chain. */
  const stoppedRun = async (requestId: string, extra: Record<string, unknown>) => {
    const handle = await start(requestId, extra);
    await assert.rejects(handle.result(), (error: unknown) => {
      assert.ok(error instanceof WorkflowFailedError);
      assert.ok(error.cause instanceof ApplicationFailure, 'the workflow itself failed, not an activity');
      assert.equal(error.cause.type, 'BudgetExceededError');
      assert.equal(error.cause.nonRetryable, true);
      return true;
    });
    const failed = agents.failed.filter((draft) => draft.requestId === requestId);
    assert.equal(failed.length, 1, 'one research.failed');
    return failed[0]!;
  };

  it('reports planned, each search as it ends (i of N), writing and published — N + 3 steps in order, numbered from 1', async () => {
    agents.settings = defaults;
    agents.failingSearches = new Set(['q1']);
    try {
      const handle = await start('progress-order', { maxSearches: 4 });
      await handle.result();
      const { workflowId, runId } = await handle.describe();
      const steps = agents.progressOf('progress-order');
      assert.deepEqual(steps.map((step) => step.step), ['planned', 'searched', 'searched', 'searched', 'searched', 'writing', 'published']);
      assert.deepEqual(steps.map((step) => step.sequence), [1, 2, 3, 4, 5, 6, 7]);
      assert.deepEqual(steps[0]?.searches, { planned: 4, done: 0, succeeded: 0, failed: 0 });
      const searched = steps.filter((step) => step.step === 'searched');
      assert.deepEqual(searched.map((step) => step.searches.done), [1, 2, 3, 4], 'i of N, counting up as searches end');
      assert.deepEqual(searched.map((step) => step.search?.number).sort(), [1, 2, 3, 4], 'each search once');
      assert.deepEqual(searched.filter((step) => !step.search?.succeeded).map((step) => step.search?.number), [2], 'the failed search is reported as failed');
      assert.deepEqual(steps.at(-1)?.searches, { planned: 4, done: 4, succeeded: 3, failed: 1 });
      assert.equal(steps.at(-1)?.outcome, 'completed');
      assert.deepEqual(steps.at(-1)?.usage, { inputTokens: 10 + 3 * 5 + 20, outputTokens: 10 + 3 * 5 + 20, estimatedCostUsd: 0.00009 }, 'the run’s usage so far');
      assert.ok(steps.every((step) => step.workflowId === workflowId && step.runId === runId && step.traceId === '4bf92f3577b34da6a3ce929d0e0e4736' && step.budget === undefined));
      assert.equal(agents.published.at(-1)?.budget, undefined, 'no budget: none in the result');
    } finally {
      agents.failingSearches = new Set();
    }
  });

  it('a progress publish that fails never fails the run: it completes, and later steps are still offered', async () => {
    agents.settings = defaults;
    agents.progressBehaviour = 'fail';
    try {
      const result = await (await start('progress-refused', { maxSearches: 2 })).result();
      assert.equal(result.searchesSucceeded, 2);
      assert.equal(agents.published.filter((draft) => draft.requestId === 'progress-refused').length, 1);
      assert.deepEqual(agents.progressOf('progress-refused').map((step) => step.step), ['planned', 'searched', 'searched', 'writing', 'published'], 'a dropped batch stops no later one');
    } finally {
      agents.progressBehaviour = 'publish';
    }
  });

  it('a progress publish that hangs holds no step back: the result is published while the first batch is still unanswered', async () => {
    agents.settings = defaults;
    agents.progressBehaviour = 'hang';
    let release!: () => void;
    agents.progressGate = new Promise<void>((resolve) => (release = resolve));
    try {
      const handle = await start('progress-stuck', { maxSearches: 3 });
      await eventually(() => agents.published.some((draft) => draft.requestId === 'progress-stuck') || undefined, 4000, 'the result to be published (before progress timed out)');
      const batches = () => agents.progress.filter((batch) => batch[0]?.requestId === 'progress-stuck').map((batch) => batch.map((step) => step.step));
      await eventually(() => batches().length > 0 || undefined, 4000, 'the first progress batch to reach its activity');
      assert.deepEqual(batches(), [['planned']], 'only the first batch is out, still waiting');
      release();
      await handle.result();
      assert.deepEqual(agents.progressOf('progress-stuck').map((step) => step.step), ['planned', 'searched', 'searched', 'searched', 'writing', 'published'], 'the steps gathered meanwhile go out in one batch');
    } finally {
      release();
      agents.progressBehaviour = 'publish';
      agents.progressGate = Promise.resolve();
    }
  });

  it('progress activities have a deadline and two attempts: a stuck Kafka delays the run’s end by seconds, not forever', async () => {
    agents.settings = defaults;
    const handle = await start('progress-options', { maxSearches: 1 });
    await handle.result();
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = events.map((event) => event.activityTaskScheduledEventAttributes).filter((attributes) => attributes?.activityType?.name === 'publishProgress');
    assert.ok(scheduled.length >= 1);
    for (const attributes of scheduled) {
      assert.equal(Number(attributes?.scheduleToCloseTimeout?.seconds ?? 0), 12);
      assert.equal(Number(attributes?.startToCloseTimeout?.seconds ?? 0), 5);
      assert.equal(attributes?.retryPolicy?.maximumAttempts, 2);
    }
  });

  it('a new run records one patch marker and one search-attribute upsert in its history, not one of each per patch since 0.2.0; its steps are as before', async () => {
    agents.settings = defaults;
    const handle = await start('lean-history', { maxSearches: 1 });
    await handle.result();
    const events = (await handle.fetchHistory()).events ?? [];
    const patches = events.filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_patch');
    const upserts = events.filter((event) => event.upsertWorkflowSearchAttributesEventAttributes);
    assert.equal(patches.length, 1, 'one patch marker');
    assert.equal(upserts.length, 1, 'one search-attribute upsert (each patch marker brings one)');
    assert.deepEqual(agents.progressOf('lean-history').map((step) => step.step), ['planned', 'searched', 'writing', 'published']);
    assert.deepEqual(agents.progressOf('lean-history').map((step) => step.sequence), [1, 2, 3, 4]);
  });

  it('a run that has begun goes before new ones: its searches, report, result and progress are scheduled one priority key ahead of its planner, with its fairness key', async () => {
    agents.settings = defaults;
    const handle = await client.workflow.start<typeof ResearchWorkflow>('ResearchWorkflow', {
      taskQueue,
      workflowId: uniqueName('begun-priority'),
      args: [{ request: { requestId: 'begun-priority', query: 'question begun-priority', maxSearches: 2 }, trace: { traceparent } }],
      priority: { priorityKey: 4, fairnessKey: 'team-a' },
    });
    await handle.result();
    const scheduled = ((await handle.fetchHistory()).events ?? []).flatMap((event) => {
      const attributes = event.activityTaskScheduledEventAttributes;
      return attributes ? [{ type: attributes.activityType?.name ?? '', key: attributes.priority?.priorityKey ?? 0, fairness: attributes.priority?.fairnessKey ?? '' }] : [];
    });
    const planner = scheduled.filter((entry) => entry.type === 'planSearches');
    assert.deepEqual(planner.map((entry) => entry.key), [0], 'the planner inherits the run’s own priority (4)');
    const later = scheduled.filter((entry) => entry.type !== 'planSearches');
    assert.deepEqual([...new Set(later.map((entry) => entry.type))].sort(), ['publishCompleted', 'publishProgress', 'runSearch', 'writeReport']);
    for (const entry of later) assert.deepEqual({ key: entry.key, fairness: entry.fairness }, { key: 3, fairness: 'team-a' }, `${entry.type} one key ahead, same tenant`);
  });

  it('a budget that cannot take the planned searches stops the run before them: BudgetExceededError at stage search, with the planner’s usage', async () => {
    agents.settings = defaults;
    const searchesBefore = agents.searchCalls;
    // Plan: 100 + 22 characters + 100 = 222 ≤ 400. Searches: 6 × (50 + 4 + 50) = 624, and 20 spent: over.
    const failed = await stoppedRun('budget-search', { budget: { maxTokens: 400 } });
    assert.equal(agents.searchCalls, searchesBefore, 'no search started');
    assert.equal(failed.stage, 'search');
    assert.equal(failed.error.type, 'BudgetExceededError');
    assert.match(failed.error.message, /budget \(at most 400 tokens\) would be exceeded by the search stage: spent \$0\.00002 \/ 20 tokens, the search stage estimated at \$0\.000624 \/ 624 tokens/);
    assert.deepEqual(failed.usage.total, { inputTokens: 10, outputTokens: 10, estimatedCostUsd: 0.00002 });
    assert.deepEqual(failed.budget, { maxTokens: 400 });
    assert.deepEqual(failed.budgetStop, { estimatedTokens: 624, estimatedCostUsd: 0.000624 });
    assert.deepEqual(agents.progressOf('budget-search').map((step) => [step.step, step.outcome]), [['planned', undefined], ['published', 'failed']]);
    assert.ok(agents.progressOf('budget-search').every((step) => step.budget?.maxTokens === 400), 'progress carries the budget');
  });

  it('a budget that cannot take the report stops the run before the write, with the searches’ usage', async () => {
    agents.settings = defaults;
    const writesBefore = agents.writeCalls;
    // Plan 221 and searches 2 × 104 fit 500; after them 40 spent, and the write: 300 + 21 + 2 × 15 + 300 = 651.
    const failed = await stoppedRun('budget-write', { maxSearches: 2, budget: { maxTokens: 500 } });
    assert.equal(agents.writeCalls, writesBefore, 'no report written');
    assert.equal(failed.stage, 'write');
    assert.deepEqual(failed.usage.total, { inputTokens: 20, outputTokens: 20, estimatedCostUsd: 0.00004 });
    assert.equal(failed.usage.searcher?.calls, 2);
    assert.deepEqual(failed.budgetStop, { estimatedTokens: 651, estimatedCostUsd: 0.000651 });
    assert.deepEqual(agents.progressOf('budget-write').map((step) => step.step), ['planned', 'searched', 'searched', 'published']);
  });

  it('the worker’s default budget applies field by field where the request sets none; a cost limit stops like a token limit', async () => {
    agents.settings = { ...defaults, defaultBudget: { maxCostUsd: 5, maxTokens: 1_000_000 } };
    try {
      // The request's $0.0003 replaces the default's $5; the default's tokens stay. Plan $0.000223 fits, the searches do not.
      const failed = await stoppedRun('budget-default', { budget: { maxCostUsd: 0.0003 } });
      assert.deepEqual(failed.budget, { maxCostUsd: 0.0003, maxTokens: 1_000_000 } satisfies RunBudget);
      assert.equal(failed.stage, 'search');
      assert.match(failed.error.message, /at most \$0\.0003 and at most 1000000 tokens/);
      // Without a budget of its own, a request gets the default (and has room to finish under it).
      await (await start('budget-default-only', { maxSearches: 1 })).result();
      assert.deepEqual(agents.published.find((draft) => draft.requestId === 'budget-default-only')?.budget, { maxCostUsd: 5, maxTokens: 1_000_000 });
    } finally {
      agents.settings = defaults;
    }
  });

  it('no run passes the worker’s budget ceiling: a request asking for more stops at the ceiling, one without a budget or default runs under it, one below keeps its own', async () => {
    agents.settings = { ...defaults, budgetCeiling: { maxTokens: 400 } };
    try {
      // A million tokens asked for; the ceiling's 400 stops the run where a budget of 400 does (budget-search above).
      const above = await stoppedRun('ceiling-above', { budget: { maxTokens: 1_000_000, maxCostUsd: 1 } });
      assert.equal(above.stage, 'search');
      assert.deepEqual(above.budget, { maxCostUsd: 1, maxTokens: 400 } satisfies RunBudget, 'the reported limit is the ceiling; the cost the request set stays');
      assert.match(above.error.message, /budget \(at most \$1 and at most 400 tokens\) would be exceeded by the search stage/);
      assert.ok(agents.progressOf('ceiling-above').every((step) => step.budget?.maxTokens === 400), 'progress reports the ceiling as the limit');
      const unset = await stoppedRun('ceiling-unset', {});
      assert.deepEqual(unset.budget, { maxTokens: 400 }, 'no budget and no default: the ceiling');
      const below = await stoppedRun('ceiling-below', { budget: { maxTokens: 300 } });
      assert.deepEqual(below.budget, { maxTokens: 300 }, 'a budget under the ceiling is the request’s');
    } finally {
      agents.settings = defaults;
    }
  });

  it('searches in parallel pass the budget by at most one call: the first runs alone, and its cost measures the rest', async () => {
    // Allowances far too small (6 tokens a search) and searches that cost 1,000 tokens each:
    // with three at once from the start, three would run before anything was known.
    agents.settings = { ...defaults, searchConcurrency: 3, callAllowances: fakeAllowances({ planner: [100, 100], searcher: [1, 1], writer: [300, 300] }) };
    agents.searchTokens = 500;
    agents.peakSearches = 0;
    const searchesBefore = agents.searchCalls;
    try {
      const failed = await stoppedRun('budget-parallel', { budget: { maxTokens: 1500 } });
      assert.equal(agents.searchCalls - searchesBefore, 1, 'one search ran; the second, estimated at what the first cost, did not fit');
      assert.equal(agents.peakSearches, 1);
      assert.equal(failed.stage, 'search');
      assert.match(failed.error.message, /would be exceeded by search 2 of 6: spent \$0\.00102 \/ 1020 tokens, search 2 of 6 estimated at \$0\.001 \/ 1000 tokens/);
      assert.deepEqual(failed.usage.total, { inputTokens: 510, outputTokens: 510, estimatedCostUsd: 0.00102 }, 'within the budget');
      assert.deepEqual(agents.progressOf('budget-parallel').map((step) => step.step), ['planned', 'searched', 'published']);
    } finally {
      agents.settings = defaults;
      agents.searchTokens = 5;
    }
  });

  it('a run whose settings have no callsPerActivity (recorded by 0.4.0) admits its searches as 0.4.0 did: one that does not fit beside those running is refused, not run later', async () => {
    // Searches cost 200 tokens against an allowance of 104. Plan 20 spent; search 1 alone → 220 and
    // every search now estimated at 200; search 2 (fails, spends nothing) fits at 420 ≤ 500; search 3
    // beside it would need 620: 0.4.0 refused it there, and its history says so. After search 2 it
    // would fit alone (420): running it then would schedule an activity the history does not have.
    agents.settings = { ...defaults, searchConcurrency: 2 };
    agents.searchTokens = 100;
    agents.failingSearches = new Set(['q1']);
    const searchesBefore = agents.searchCalls;
    try {
      const failed = await stoppedRun('budget-legacy-refusal', { maxSearches: 3, budget: { maxTokens: 500 } });
      assert.equal(agents.searchCalls - searchesBefore, 2, 'search 3 never ran');
      assert.equal(failed.stage, 'search');
      assert.match(failed.error.message, /would be exceeded by search 3 of 3/);
    } finally {
      agents.settings = defaults;
      agents.searchTokens = 5;
      agents.failingSearches = new Set();
    }
  });

  it('searches run side by side only while the budget holds every call each may make (its retries too); else one at a time, and the run completes', async () => {
    /** The most searches the run had scheduled and not yet ended at once, from its history (timing plays no part). */
    const searchesAtOnce = async (requestId: string, callsPerActivity: number): Promise<number> => {
      agents.settings = { ...defaults, searchConcurrency: 3, callAllowances: fakeAllowances({ planner: [100, 100], searcher: [50, 50], writer: [300, 300] }, callsPerActivity) };
      const handle = await start(requestId, { maxSearches: 6, budget: { maxTokens: 100_000 } });
      await handle.result();
      const { events } = await handle.fetchHistory();
      const searches = new Set<string>();
      let peak = 0;
      for (const event of events ?? []) {
        const scheduled = event.activityTaskScheduledEventAttributes;
        if (scheduled?.activityType?.name === 'runSearch') searches.add(String(event.eventId));
        const ended = event.activityTaskCompletedEventAttributes ?? event.activityTaskFailedEventAttributes;
        if (ended) searches.delete(String(ended.scheduledEventId));
        peak = Math.max(peak, searches.size);
      }
      return peak;
    };
    try {
      // A search is estimated at ~150 tokens: 4 calls each fit three times over, 1,000 calls not even once.
      assert.equal(await searchesAtOnce('budget-side-by-side', 4), 3, 'room for every call of three searches: three at once');
      assert.equal(await searchesAtOnce('budget-one-at-a-time', 1000), 1, 'room for one search’s first calls only: one at a time');
    } finally {
      agents.settings = defaults;
    }
  });

  it('a run with room in its budget completes, its result and progress carrying the budget', async () => {
    agents.settings = defaults;
    const handle = await start('budget-room', { maxSearches: 2, budget: { maxTokens: 100_000, maxCostUsd: 1 } });
    await handle.result();
    assert.deepEqual(agents.published.find((draft) => draft.requestId === 'budget-room')?.budget, { maxTokens: 100_000, maxCostUsd: 1 });
    assert.ok(agents.progressOf('budget-room').every((step) => step.budget?.maxTokens === 100_000));
  });
});
