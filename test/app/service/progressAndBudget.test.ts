import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { callAllowances } from '../../../activities/callAllowances';
import type { RecordedCall } from '../../../dev/standIn';
import { researchCompletedSchema } from '../../../src/contracts/researchCompleted';
import { researchFailedSchema } from '../../../src/contracts/researchFailed';
import { researchProgressSchema } from '../../../src/contracts/researchProgress';
import { createKafka } from '../../../src/kafka/kafkaClient';
import { PriceTable } from '../../../src/llm/priceTable';
import { createLogger, silentLogger } from '../../../src/logging/logger';
import { addSpend, callEstimate } from '../../../workflows/runBudget';
import { PipelineHarness } from '../../support/pipelineHarness';
import { plannedSearchItems } from '../../support/plannedSearches';
import { testConfig, uniqueName } from '../../support/testInfrastructure';

/** What the stand-in billed (answers that came back), by structured-output format. */
function billed(calls: readonly RecordedCall[]): { inputTokens: number; outputTokens: number; formats: string[] } {
  const answered = calls.filter((call) => call.usage !== undefined);
  return {
    inputTokens: answered.reduce((sum, call) => sum + (call.usage?.inputTokens ?? 0), 0),
    outputTokens: answered.reduce((sum, call) => sum + (call.usage?.outputTokens ?? 0), 0),
    formats: answered.map((call) => call.formatName ?? '?').sort(),
  };
}

describe('progress and budgets of runs on the real Kafka and Temporal', () => {
  let harness: PipelineHarness;
  before(async () => {
    harness = await PipelineHarness.start();
  });
  after(async () => {
    // Also after a failed before(): a harness that never started has nothing to close.
    await harness?.close();
  });
  /** The worker's allowances: the same models, prices and search provider as the harness's worker. */
  const allowances = () => callAllowances(harness.config.llm.models, PriceTable.fromEnv(), { name: 'local-corpus' });

  async function failure(requestId: string) {
    const [record] = await harness.recorder.waitFor(harness.config.topics.failed, 1, (r) => r.key === requestId);
    return researchFailedSchema.parse(JSON.parse(record?.value.toString() ?? ''));
  }

  it('a run publishes its steps to research.progress: planned (N), N searches done i of N, writing, published — in order, keyed by request id, in the request’s trace', async () => {
    const traceparent = '00-8e0a8f4e0c6f4b7a9d3c2b1a09f8e7d6-1a2b3c4d5e6f7081-01';
    await harness.request('progressed', 'How do Kafka consumer groups share partitions?', { maxSearches: 4 }, { traceparent });
    const [completed] = await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === 'progressed');
    const result = researchCompletedSchema.parse(JSON.parse(completed?.value.toString() ?? ''));
    const records = await harness.recorder.waitFor(harness.config.topics.progress, 7, (r) => r.key === 'progressed');
    // Settled: nothing more arrives for this run (a second copy of a step would be a duplicate id).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const all = harness.recorder.on(harness.config.topics.progress).filter((r) => r.key === 'progressed');
    assert.equal(all.length, 7, 'N + 3 events, none twice');
    assert.equal(new Set(records.map((record) => record.partition)).size, 1, 'one partition');
    const events = all.map((record) => researchProgressSchema.parse(JSON.parse(record.value.toString())));
    assert.deepEqual(events.map((event) => event.step), ['planned', 'searched', 'searched', 'searched', 'searched', 'writing', 'published']);
    assert.deepEqual(events.map((event) => event.sequence), [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(events.map((event) => `${event.searches.done}/${event.searches.planned}`), ['0/4', '1/4', '2/4', '3/4', '4/4', '4/4', '4/4']);
    assert.deepEqual(events.filter((event) => event.step === 'searched').map((event) => event.search?.number).sort(), [1, 2, 3, 4]);
    assert.equal(events.at(-1)?.outcome, 'completed');
    assert.deepEqual(events.at(-1)?.usage, result.usage.total, 'the last step knows what the run spent');
    assert.ok(events.every((event) => event.runId === result.runId && event.workflowId === result.workflowId && event.traceId === '8e0a8f4e0c6f4b7a9d3c2b1a09f8e7d6'));
    assert.ok(all.every((record) => record.headers.traceparent?.split('-')[1] === '8e0a8f4e0c6f4b7a9d3c2b1a09f8e7d6' && record.headers.ce_type === 'research.progress.v1'));
    assert.equal(new Set(events.map((event) => event.eventId)).size, 7, 'an id per step');
  });

  it('a budget that cannot take the planned searches stops the run after the plan: BudgetExceededError at stage search, the planner’s usage, no search made', async () => {
    const query = 'What does a research budget buy?';
    const items = await plannedSearchItems(harness.standIn.baseUrl, harness.config.llm.models.planner, query, 2);
    const plan = callEstimate(allowances(), 'planner', query.length);
    const searches = items.map((item) => callEstimate(allowances(), 'searcher', item.query.length + item.reason.length)).reduce(addSpend);
    const maxTokens = plan.tokens + 100;
    harness.standIn.resetCalls();
    await harness.request('over-budget', query, { maxSearches: 2, budget: { maxTokens } });
    const event = await failure('over-budget');
    assert.equal(event.stage, 'search');
    assert.equal(event.error.type, 'BudgetExceededError');
    assert.match(event.error.message, new RegExp(`at most ${maxTokens} tokens\\) would be exceeded by the search stage`));
    const spent = billed(harness.standIn.calls());
    assert.deepEqual(spent.formats, ['research_plan'], 'the planner was called, no searcher');
    assert.deepEqual([event.usage.total.inputTokens, event.usage.total.outputTokens], [spent.inputTokens, spent.outputTokens], 'the usage is what the model server billed');
    assert.deepEqual(event.budget, { maxTokens });
    assert.equal(event.budgetStop?.estimatedTokens, searches.tokens, 'the estimate of the two searches');
    const steps = (await harness.recorder.waitFor(harness.config.topics.progress, 2, (r) => r.key === 'over-budget')).map((r) => researchProgressSchema.parse(JSON.parse(r.value.toString())));
    assert.deepEqual(steps.map((step) => [step.step, step.outcome]), [['planned', undefined], ['published', 'failed']]);
  });

  it('a budget that cannot take the report stops the run before the write, with the plan’s and the search’s usage, and no writer call', async () => {
    const query = 'How much does one more report cost?';
    const [item] = await plannedSearchItems(harness.standIn.baseUrl, harness.config.llm.models.planner, query, 1);
    assert.ok(item);
    // Room for the plan's and the search's estimates (each more than its call uses), not for the report's.
    const maxTokens = callEstimate(allowances(), 'planner', query.length).tokens + callEstimate(allowances(), 'searcher', item.query.length + item.reason.length).tokens;
    harness.standIn.resetCalls();
    await harness.request('no-room-to-write', query, { maxSearches: 1, budget: { maxTokens } });
    const event = await failure('no-room-to-write');
    assert.equal(event.stage, 'write');
    assert.equal(event.error.type, 'BudgetExceededError');
    const spent = billed(harness.standIn.calls());
    assert.deepEqual(spent.formats, ['research_plan', 'search_summary']);
    assert.deepEqual([event.usage.total.inputTokens, event.usage.total.outputTokens], [spent.inputTokens, spent.outputTokens]);
    assert.ok(spent.inputTokens + spent.outputTokens <= maxTokens, 'stopped within the budget');
    assert.ok(spent.inputTokens + spent.outputTokens + (event.budgetStop?.estimatedTokens ?? 0) > maxTokens, 'because the report’s estimate would pass it');
    assert.equal(harness.recorder.on(harness.config.topics.completed).filter((r) => r.key === 'no-room-to-write').length, 0);
  });

  it('a budget that pays for one planner call and not a second: a rejected answer is not asked again, the run stops at the plan with that call’s usage', async () => {
    const query = 'What does asking twice cost?';
    const plan = callEstimate(allowances(), 'planner', query.length);
    const maxTokens = plan.tokens + 1;
    harness.standIn.resetCalls();
    harness.standIn.setFaults({ rules: [{ match: { formatName: 'research_plan', inputIncludes: query }, sequence: [{ kind: 'malformed' }] }] });
    try {
      await harness.request('no-second-ask', query, { maxSearches: 1, budget: { maxTokens } });
      const event = await failure('no-second-ask');
      assert.equal(event.stage, 'plan', 'stopped before a second planner call, not after a plan');
      assert.equal(event.error.type, 'BudgetExceededError');
      assert.match(event.error.message, /another planner call/);
      const calls = harness.standIn.calls().filter((call) => call.formatName === 'research_plan');
      assert.equal(calls.length, 1, 'the model server saw one planner call');
      assert.equal(calls[0]?.maxOutputTokens, 2000, 'a call with a budget asks for at most its output allowance');
      const spent = billed(harness.standIn.calls());
      assert.deepEqual([event.usage.total.inputTokens, event.usage.total.outputTokens], [spent.inputTokens, spent.outputTokens], 'the usage is the rejected answer’s');
      assert.ok(spent.inputTokens + spent.outputTokens <= maxTokens, 'within the budget');
      assert.equal(event.budgetStop?.estimatedTokens, plan.tokens, 'the refused call’s estimate');
    } finally {
      harness.standIn.setFaults({ rules: [] });
    }
  });

  it('with a budget the SDK retries nothing on its own: a failed planner call is tried again by Temporal’s next attempt, through the budget check', async () => {
    const query = 'Who retries a call that failed?';
    harness.standIn.setFaults({ rules: [{ match: { formatName: 'research_plan', inputIncludes: query }, sequence: [{ kind: 'status', status: 500 }] }] });
    try {
      await harness.request('retried-by-temporal', query, { maxSearches: 1, budget: { maxTokens: 1_000_000 } });
      await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === 'retried-by-temporal');
      const { events } = await harness.client.workflow.getHandle(harness.workflowId('retried-by-temporal')).fetchHistory();
      const planned = (events ?? []).find((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'planSearches');
      const started = (events ?? []).find((event) => event.activityTaskStartedEventAttributes && String(event.activityTaskStartedEventAttributes.scheduledEventId) === String(planned?.eventId));
      assert.equal(started?.activityTaskStartedEventAttributes?.attempt, 2, 'the plan succeeded on the activity’s second attempt (the SDK would have retried inside the first)');
    } finally {
      harness.standIn.setFaults({ rules: [] });
    }
  });

  it('a budget that pays for one search call and not a second: the search is not asked again and the run stops in the search stage', async () => {
    const query = 'What does one more search answer cost?';
    harness.standIn.resetCalls();
    const [item] = await plannedSearchItems(harness.standIn.baseUrl, harness.config.llm.models.planner, query, 1);
    assert.ok(item);
    // The stand-in answers the same plan the same way: the run's plan will bill what this one did.
    const plan = billed(harness.standIn.calls());
    // After the plan, room for the search's first call and not for a second.
    const maxTokens = plan.inputTokens + plan.outputTokens + callEstimate(allowances(), 'searcher', item.query.length + item.reason.length).tokens + 1;
    harness.standIn.resetCalls();
    harness.standIn.setFaults({ rules: [{ match: { formatName: 'search_summary', inputIncludes: item.query }, sequence: [{ kind: 'malformed' }] }] });
    try {
      await harness.request('no-second-search', query, { maxSearches: 1, budget: { maxTokens } });
      const event = await failure('no-second-search');
      assert.equal(event.stage, 'search', 'stopped before the search asked again, not after it');
      assert.equal(event.error.type, 'BudgetExceededError');
      const spent = billed(harness.standIn.calls());
      assert.deepEqual(spent.formats, ['research_plan', 'search_summary'], 'one search call, no writer');
      assert.deepEqual([event.usage.total.inputTokens, event.usage.total.outputTokens], [spent.inputTokens, spent.outputTokens]);
      assert.ok(spent.inputTokens + spent.outputTokens <= maxTokens, 'within the budget');
    } finally {
      harness.standIn.setFaults({ rules: [] });
    }
  });
});

describe('a relay with a default budget and a progress topic that refuses every record', () => {
  let harness: PipelineHarness;
  const lines: Record<string, unknown>[] = [];
  const refusingTopic = uniqueName('refusing-progress');

  before(async () => {
    // A progress topic whose records may be at most 64 bytes: the broker refuses every batch (MESSAGE_TOO_LARGE).
    const kafka = createKafka(testConfig().kafka, silentLogger, uniqueName('setup'));
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: refusingTopic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '64' }] }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    const logger = createLogger({ level: 'warn', name: 'refusing', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    // The default budget has no room for a plan (~2,400 tokens estimated).
    harness = await PipelineHarness.start({ env: { TOPIC_PROGRESS: refusingTopic, BUDGET_MAX_TOKENS: '1000' }, logger });
  });
  after(async () => {
    // Also after a failed before(): a harness that never started has nothing to close.
    await harness?.close();
  });

  it('a request without a budget gets the default: stopped before the plan, nothing spent, no model call', async () => {
    harness.standIn.resetCalls();
    await harness.request('default-budget', 'Is there a default budget?', { maxSearches: 1 });
    const [record] = await harness.recorder.waitFor(harness.config.topics.failed, 1, (r) => r.key === 'default-budget');
    const event = researchFailedSchema.parse(JSON.parse(record?.value.toString() ?? ''));
    assert.deepEqual([event.stage, event.error.type], ['plan', 'BudgetExceededError']);
    assert.deepEqual(event.budget, { maxTokens: 1000 });
    assert.deepEqual(event.usage.total, { inputTokens: 0, outputTokens: 0, estimatedCostUsd: 0 });
    assert.deepEqual(harness.standIn.calls(), [], 'no model call');
  });

  it('a run whose progress Kafka refuses still completes on time; no progress record lands, and the worker says why', async () => {
    // Its own budget replaces the default's tokens.
    await harness.request('unreported', 'Does a run need its progress to be published?', { maxSearches: 2, budget: { maxTokens: 1_000_000 } });
    const [record] = await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === 'unreported');
    const event = researchCompletedSchema.parse(JSON.parse(record?.value.toString() ?? ''));
    assert.deepEqual(event.budget, { maxTokens: 1_000_000 });
    assert.ok(event.timings.durationMs < 10_000, `no progress timeout held it up (${event.timings.durationMs} ms)`);
    assert.equal(await harness.topicEnd(refusingTopic), 0, 'no progress record');
    const refusals = lines.filter((line) => line.msg === 'publishing progress failed; the run goes on without it' && line.requestId === 'unreported');
    assert.ok(refusals.length > 0, 'the fault fired');
    assert.match(JSON.stringify(refusals[0]?.error), /larger than the max message size/);
  });
});
