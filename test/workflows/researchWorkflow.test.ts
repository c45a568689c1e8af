import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ActivityFailure, ApplicationFailure, CancelledFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import type { ResearchWorkflow } from '../../workflows/researchWorkflow';
import { researchProgressQuery } from '../../workflows/researchProgress';
import { runCancelNoteSignal } from '../../src/contracts/runCancelNote';
import { FakeAgents, traceparent } from '../support/fakeAgents';
import { sharedWorkflowBundle } from '../support/sharedWorkflowBundle';
import { eventually, uniqueName } from '../support/testInfrastructure';
import { startTestWorker, type TestWorker } from '../support/testWorker';

describe('ResearchWorkflow with fake agents on a real worker', () => {
  const taskQueue = uniqueName('wf-queue');
  const agents = new FakeAgents();
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

  it('runs searches at most as many at once as its worker’s settings allow, and publishes one result with the usage added up', async () => {
    agents.published = [];
    agents.peakSearches = 0;
    agents.settings = { ...agents.settings, searchConcurrency: 2 };
    const handle = await start('bounded', {});
    const result = await handle.result().finally(() => (agents.settings = { ...agents.settings, searchConcurrency: 3 }));
    assert.equal((await handle.query(researchProgressQuery)).stage, 'done', 'a finished run says so');
    assert.equal(agents.peakSearches, 2);
    assert.equal(result.searchesSucceeded, 6);
    assert.equal(agents.published.length, 1);
    const draft = agents.published[0];
    assert.deepEqual(draft?.searches.map((search) => search.query), ['q0', 'q1', 'q2', 'q3', 'q4', 'q5'], 'in plan order');
    assert.equal(draft?.usage.searcher?.calls, 6);
    assert.equal(draft?.usage.total.inputTokens, 10 + 6 * 5 + 20);
    assert.equal(draft?.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.deepEqual(draft?.models, { planner: 'planner-model', searcher: 'searcher-model', writer: 'writer-model' });
    assert.equal(draft?.report.shortSummary, 'from 6');
  });

  it('drops a failed search, records why, and writes from the rest', async () => {
    agents.published = [];
    agents.failingSearches = new Set(['q1']);
    try {
      const result = await (await start('one-fails', { maxSearches: 3 })).result();
      assert.equal(result.searchesFailed, 1);
      const failed = agents.published[0]?.searches.filter((search) => !search.succeeded);
      assert.deepEqual(failed?.map((search) => [search.query, search.error]), [['q1', 'search q1 failed']]);
      assert.equal(agents.published[0]?.report.shortSummary, 'from 2');
    } finally {
      agents.failingSearches = new Set();
    }
  });

  it('reports its stage while searching, and a cancelled run publishes research.failed marked cancelled', async () => {
    agents.failed = [];
    let release!: () => void;
    agents.searchGate = new Promise<void>((resolve) => (release = resolve));
    const handle = await start('cancelled');
    const progress = await eventually(async () => {
      const state = await handle.query(researchProgressQuery);
      return state.stage === 'search' ? state : undefined;
    });
    assert.equal(progress.searchesPlanned, 6);
    assert.equal(progress.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    await handle.cancel();
    release();
    await assert.rejects(handle.result(), (error: unknown) => error instanceof WorkflowFailedError && error.cause instanceof CancelledFailure);
    agents.searchGate = Promise.resolve();
    assert.equal(agents.failed.length, 1);
    assert.equal(agents.failed[0]?.cancelled, true);
    assert.equal(agents.failed[0]?.stage, 'search');
  });

  it('a cancel note’s reason goes into research.failed; a second note does not change it, and a cancel without a note has none', async () => {
    agents.failed = [];
    let release!: () => void;
    agents.searchGate = new Promise<void>((resolve) => (release = resolve));
    try {
      const noted = await start('noted-cancel');
      const plain = await start('plain-cancel');
      for (const handle of [noted, plain]) {
        await eventually(async () => ((await handle.query(researchProgressQuery)).stage === 'search' ? true : undefined));
      }
      await noted.signal(runCancelNoteSignal, { reason: 'asked twice by mistake' });
      await noted.signal(runCancelNoteSignal, { reason: 'a later reason' });
      await noted.cancel();
      await plain.cancel();
      for (const handle of [noted, plain]) {
        await assert.rejects(handle.result(), (error: unknown) => error instanceof WorkflowFailedError && error.cause instanceof CancelledFailure);
      }
      const byRequest = new Map(agents.failed.map((draft) => [draft.requestId, draft]));
      assert.equal(agents.failed.length, 2);
      const first = byRequest.get('noted-cancel');
      assert.deepEqual([first?.cancelled, first?.stage, first?.cancelReason, first?.error], [true, 'search', 'asked twice by mistake', { type: 'Cancelled', message: 'the run was cancelled: asked twice by mistake' }]);
      const second = byRequest.get('plain-cancel');
      assert.deepEqual([second?.cancelled, 'cancelReason' in (second ?? {}), second?.error.message], [true, false, 'the run was cancelled']);
    } finally {
      release();
      agents.searchGate = Promise.resolve();
    }
  });

  it('a planner that fails for good fails the run down the cause chain and publishes research.failed at stage plan', async () => {
    agents.failed = [];
    agents.planError = ApplicationFailure.create({ type: 'ModelOutputInvalidError', message: 'bad plan', nonRetryable: true });
    try {
      const handle = await start('plan-fails');
      await assert.rejects(handle.result(), (error: unknown) => {
        assert.ok(error instanceof WorkflowFailedError);
        assert.ok(error.cause instanceof ActivityFailure);
        assert.ok(error.cause.cause instanceof ApplicationFailure);
        assert.equal(error.cause.cause.type, 'ModelOutputInvalidError');
        return true;
      });
      assert.deepEqual(agents.failed.map((draft) => [draft.stage, draft.error.type, draft.error.message]), [['plan', 'ModelOutputInvalidError', 'bad plan']]);
    } finally {
      agents.planError = undefined;
    }
  });

  it('a cancel that arrives while the result is being published waits for it: one research.completed and no research.failed', async () => {
    agents.published = [];
    agents.failed = [];
    let release!: () => void;
    agents.publishGate = new Promise<void>((resolve) => (release = resolve));
    try {
      const handle = await start('cancel-in-publish', { maxSearches: 1 });
      await eventually(() => agents.publishing || undefined, 30_000, 'the publish to begin');
      await handle.cancel();
      // Settled: the worker has taken the cancel request in (a workflow task completed after it).
      await eventually(async () => {
        const events = (await handle.fetchHistory()).events ?? [];
        const requested = events.findIndex((event) => event.workflowExecutionCancelRequestedEventAttributes);
        return (requested >= 0 && events.slice(requested).some((event) => event.workflowTaskCompletedEventAttributes)) || undefined;
      }, 30_000, 'the worker to handle the cancel request');
      release();
      const result = await handle.result();
      assert.equal(result.eventId, 'e-completed');
      assert.equal(agents.published.length, 1);
      assert.deepEqual(agents.failed, [], 'no research.failed beside the completion');
    } finally {
      release();
      agents.publishGate = Promise.resolve();
    }
  });

  it('retries publishing without a deadline: the publish activities carry no schedule-to-close timeout and unlimited attempts', async () => {
    const handle = await start('publish-options', { maxSearches: 1 });
    await handle.result();
    const events = (await handle.fetchHistory()).events ?? [];
    const publish = events.map((event) => event.activityTaskScheduledEventAttributes).find((attributes) => attributes?.activityType?.name === 'publishCompleted');
    assert.ok(publish, 'publishCompleted was scheduled');
    assert.equal(Number(publish.scheduleToCloseTimeout?.seconds ?? 0), 0, 'no deadline after which a result is dropped');
    assert.equal(publish.retryPolicy?.maximumAttempts ?? 0, 0, 'unlimited attempts');
    assert.equal(Number(publish.retryPolicy?.maximumInterval?.seconds ?? 0), 60, 'backoff capped at a minute');
  });
});
