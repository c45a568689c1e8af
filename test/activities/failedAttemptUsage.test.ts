import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FaultPlan, RecordedCall } from '../../dev/standIn';
import type { ResearchCompleted } from '../../src/contracts/researchCompleted';
import type { ResearchFailed } from '../../src/contracts/researchFailed';
import { PipelineHarness } from '../support/pipelineHarness';

/** What the stand-in billed for calls of one structured-output format (answers that came back only). */
function billed(calls: readonly RecordedCall[], formatName?: string): { inputTokens: number; outputTokens: number; calls: number } {
  const matching = calls.filter((call) => call.usage !== undefined && (formatName === undefined || call.formatName === formatName));
  return {
    inputTokens: matching.reduce((sum, call) => sum + (call.usage?.inputTokens ?? 0), 0),
    outputTokens: matching.reduce((sum, call) => sum + (call.usage?.outputTokens ?? 0), 0),
    calls: matching.length,
  };
}

/** The usage the stand-in billed for the calls that carried a fault (the answers the run could not use). */
function billedForFaults(calls: readonly RecordedCall[], formatName: string): { inputTokens: number; outputTokens: number } {
  return billed(calls.filter((call) => call.fault !== undefined && call.fault !== 'ok'), formatName);
}

describe('the usage a run publishes counts the model calls of failed attempts (the provider billed them)', () => {
  let harness: PipelineHarness;

  before(async () => {
    // Two activity attempts, one SDK retry per call, searches one at a time (faults land in order).
    harness = await PipelineHarness.start({ env: { SEARCH_CONCURRENCY: '1', OPENAI_MAX_RETRIES: '1', LLM_ACTIVITY_ATTEMPTS: '2' } });
  });
  after(async () => {
    await (harness as PipelineHarness | undefined)?.close();
  });

  async function result<T>(topic: string, requestId: string): Promise<T> {
    const [record] = await harness.recorder.waitFor(topic, 1, (r) => r.key === requestId);
    assert.ok(record);
    return JSON.parse(record.value.toString()) as T;
  }

  it('a planner whose first attempt got a malformed answer and then a 500, and whose retry succeeded, publishes the malformed answer’s tokens', async () => {
    // Attempt 1: a malformed answer (billed), then 500 twice (the SDK's retry) → the activity fails,
    // retryably; Temporal's attempt 2 gets a good plan.
    const faults: FaultPlan = {
      rules: [{ match: { formatName: 'research_plan' }, sequence: [{ kind: 'malformed' }, { kind: 'status', status: 500 }, { kind: 'status', status: 500 }] }],
    };
    harness.standIn.setFaults(faults);
    harness.standIn.resetCalls();
    await harness.request('planner-retried', 'How do heat pumps perform in cold climates?', { maxSearches: 2 });
    const event = await result<ResearchCompleted>(harness.config.topics.completed, 'planner-retried');
    const calls = harness.standIn.calls();
    assert.deepEqual(calls.filter((call) => call.formatName === 'research_plan').map((call) => call.fault ?? 'none'), ['malformed', 'status', 'status', 'none'], 'the faults fired');

    const planner = billed(calls, 'research_plan');
    assert.equal(event.usage.planner?.inputTokens, planner.inputTokens, 'the planner’s input tokens are all it was billed for');
    assert.equal(event.usage.planner?.outputTokens, planner.outputTokens);
    assert.equal(event.usage.planner?.calls, 2, 'two answers came back (500s bill nothing)');
    assert.deepEqual(event.usage.planner?.failedAttempts, { calls: 1, ...billedForFaults(calls, 'research_plan'), estimatedInputTokens: 0 });
    const all = billed(calls);
    assert.equal(event.usage.total.inputTokens, all.inputTokens, 'the run’s total is what the stand-in billed');
    assert.equal(event.usage.total.outputTokens, all.outputTokens);
    assert.equal(event.usage.total.failedAttempts?.calls, 1);
  });

  it('a searcher that fails all its attempts still has its tokens in the published usage', async () => {
    // Search 1, attempt 1: malformed, then 500 twice → retryable failure; attempt 2: malformed twice →
    // fails for good on its schema. Search 2 succeeds, so the run completes with one search.
    const faults: FaultPlan = {
      rules: [
        {
          match: { formatName: 'search_summary' },
          sequence: [{ kind: 'malformed' }, { kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'malformed' }, { kind: 'malformed' }],
        },
      ],
    };
    harness.standIn.setFaults(faults);
    harness.standIn.resetCalls();
    await harness.request('searcher-failed', 'What limits battery recycling?', { maxSearches: 2 });
    const event = await result<ResearchCompleted>(harness.config.topics.completed, 'searcher-failed');
    assert.deepEqual(event.searches.map((search) => search.succeeded), [false, true]);
    const calls = harness.standIn.calls();
    const searcher = billed(calls, 'search_summary');
    assert.equal(searcher.calls, 4, 'three malformed answers and one good one came back');
    assert.equal(event.usage.searcher?.inputTokens, searcher.inputTokens, 'the failed search’s tokens are counted');
    assert.equal(event.usage.searcher?.outputTokens, searcher.outputTokens);
    assert.equal(event.usage.searcher?.calls, 4);
    assert.deepEqual(event.usage.searcher?.failedAttempts, { calls: 3, ...billedForFaults(calls, 'search_summary'), estimatedInputTokens: 0 });
    const all = billed(calls);
    assert.equal(event.usage.total.inputTokens, all.inputTokens);
    assert.equal(event.usage.total.outputTokens, all.outputTokens);
  });

  it('a run whose every search fails for good publishes research.failed with the searchers’ tokens', async () => {
    const faults: FaultPlan = { rules: [{ match: { formatName: 'search_summary' }, sequence: [{ kind: 'schemaViolation' }], repeat: true }] };
    harness.standIn.setFaults(faults);
    harness.standIn.resetCalls();
    await harness.request('all-searches-failed', 'Why do tides vary?', { maxSearches: 2 });
    const event = await result<ResearchFailed>(harness.config.topics.failed, 'all-searches-failed');
    assert.equal(event.stage, 'search');
    const calls = harness.standIn.calls();
    const searcher = billed(calls, 'search_summary');
    assert.equal(searcher.calls, 4, 'two searches, two rejected answers each');
    assert.equal(event.usage.searcher?.inputTokens, searcher.inputTokens);
    assert.equal(event.usage.searcher?.outputTokens, searcher.outputTokens);
    assert.equal(event.usage.total.inputTokens, billed(calls).inputTokens, 'planner and searchers, all billed');
    assert.equal(event.usage.total.failedAttempts?.calls, 4);
  });

  it('a planner that fails for good publishes research.failed with what its attempts were billed', async () => {
    // Attempt 1: malformed, then 500 twice (retryable); attempt 2: two answers that break the schema.
    const faults: FaultPlan = {
      rules: [
        {
          match: { formatName: 'research_plan' },
          sequence: [{ kind: 'malformed' }, { kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'schemaViolation' }, { kind: 'schemaViolation' }],
        },
      ],
    };
    harness.standIn.setFaults(faults);
    harness.standIn.resetCalls();
    await harness.request('planner-failed', 'Why is the sky blue?', { maxSearches: 2 });
    const event = await result<ResearchFailed>(harness.config.topics.failed, 'planner-failed');
    assert.equal(event.stage, 'plan');
    const planner = billed(harness.standIn.calls(), 'research_plan');
    assert.equal(planner.calls, 3);
    assert.deepEqual(event.usage.planner?.failedAttempts, { calls: 3, inputTokens: planner.inputTokens, outputTokens: planner.outputTokens, estimatedInputTokens: 0 });
    assert.equal(event.usage.total.inputTokens, planner.inputTokens);
    assert.ok(event.usage.total.estimatedCostUsd > 0, 'priced');
  });

  it('a call aborted by its timeout counts an estimate of its input tokens, marked as estimated', async () => {
    // The writer's first call answers after the client gave up (OPENAI_TIMEOUT_MS is 5 s in the
    // harness); the SDK's own retry then succeeds.
    harness.standIn.setFaults({ rules: [{ match: { formatName: 'research_report' }, sequence: [{ kind: 'delay', ms: 8000 }] }] });
    harness.standIn.resetCalls();
    await harness.request('writer-timed-out', 'How are glaciers measured?', { maxSearches: 1 });
    const event = await result<ResearchCompleted>(harness.config.topics.completed, 'writer-timed-out');
    const writerCalls = harness.standIn.calls().filter((call) => call.formatName === 'research_report');
    assert.deepEqual(writerCalls.map((call) => call.status), [499, 200], 'the first call was abandoned by its client');
    const abandoned = writerCalls[0]?.usage?.inputTokens ?? 0;
    assert.ok(abandoned > 0);
    assert.deepEqual(event.usage.writer?.failedAttempts, { calls: 1, inputTokens: abandoned, outputTokens: 0, estimatedInputTokens: abandoned });
    assert.equal(event.usage.writer?.inputTokens, abandoned + (writerCalls[1]?.usage?.inputTokens ?? 0));
    assert.equal(event.usage.total.failedAttempts?.estimatedInputTokens, abandoned);
  });
});
