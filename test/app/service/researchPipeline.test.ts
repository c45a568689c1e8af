import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deadLetterHeadersSchema } from '../../../src/contracts/deadLetterRecord';
import { researchCompletedSchema } from '../../../src/contracts/researchCompleted';
import { researchFailedSchema } from '../../../src/contracts/researchFailed';
import { PipelineHarness } from '../../support/pipelineHarness';
import { plannedSearches } from '../../support/plannedSearches';
import { eventually } from '../../support/testInfrastructure';

const secret = 'sk-test-secret-key-never-logged';

describe('a research request on Kafka', () => {
  let harness: PipelineHarness;
  before(async () => {
    harness = await PipelineHarness.start();
  });
  after(async () => {
    await (harness as PipelineHarness | undefined)?.close();
  });

  it('becomes exactly one completed event with every field filled', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await harness.request('one', 'How do Kafka consumer offsets make processing restartable?', { maxSearches: 5, metadata: { team: 'platform' } }, { traceparent });
    const [record] = await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === 'one');
    assert.ok(record);
    const event = researchCompletedSchema.parse(JSON.parse(record.value.toString()));
    assert.equal(event.requestId, 'one');
    assert.equal(event.workflowId, harness.workflowId('one'));
    assert.match(event.runId, /^[0-9a-f-]{36}$/);
    assert.equal(event.traceId, '0af7651916cd43dd8448eb211c80319c', 'the trace id of the request');
    assert.equal(record.headers.traceparent?.split('-')[1], event.traceId);
    assert.equal(record.headers.ce_id, event.eventId);
    assert.equal(record.headers.ce_type, 'research.completed.v1');
    assert.equal(event.searches.length, 5);
    assert.ok(event.searches.every((search) => search.succeeded && search.query && search.reason && search.sources.length > 0));
    assert.ok(event.report.markdownReport.split(/\s+/).length >= 1000, 'report of at least 1,000 words');
    assert.ok(event.report.shortSummary.length > 0);
    assert.ok(event.report.followUpQuestions.length > 0);
    assert.equal(event.searchProvider, 'local-corpus');
    assert.deepEqual(event.metadata, { team: 'platform' });
    assert.equal(event.models.planner, 'gpt-4.1');
    assert.equal(event.usage.planner?.calls, 1);
    assert.equal(event.usage.searcher?.calls, 5);
    const calls = harness.standIn.calls().filter((call) => call.status === 200);
    const reported = calls.reduce((sum, call) => sum + (call.usage?.inputTokens ?? 0), 0);
    assert.equal(event.usage.total.inputTokens, reported, 'input tokens add up to what the model server reported');
    assert.ok(event.usage.total.estimatedCostUsd > 0);
    assert.ok(event.timings.stages.planMs >= 0 && event.timings.durationMs >= event.timings.stages.writeMs);
    assert.ok(!record.value.toString().includes(secret), 'no API key in the event');
    assert.deepEqual(await harness.runsOf(event.workflowId), [event.runId]);
  });

  it('sent three times starts one workflow and yields one result', async () => {
    for (let i = 0; i < 3; i += 1) await harness.request('thrice', 'What is an idempotency key?', { maxSearches: 2 });
    await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === 'thrice');
    await eventually(() => harness.outcomes.filter((o) => 'requestId' in o && o.requestId === 'thrice').length === 3 || undefined, 30_000, 'three acknowledged deliveries');
    // Settled: all three deliveries are acknowledged and the one run has closed, so no later
    // result can appear (a second result would need a second run).
    const runs = await harness.settledRunIds((id) => id === harness.workflowId('thrice'), 1);
    assert.equal(runs.length, 1);
    assert.equal(harness.recorder.on(harness.config.topics.completed).filter((r) => r.key === 'thrice').length, 1);
  });

  it('dead-letters not-JSON, schema-violating, oversize and keyless values with their original bytes and reason, and carries on', async () => {
    const bad = [
      { key: 'nj', value: Buffer.from('this is {not json'), reason: 'not-json' },
      { key: 'sv', value: Buffer.from(JSON.stringify({ requestId: 'sv', query: '' })), reason: 'schema-violation' },
      { key: 'big', value: Buffer.from(JSON.stringify({ requestId: 'big', query: 'x'.repeat(5000) })), reason: 'too-large' },
      { key: null, value: Buffer.from(JSON.stringify({ requestId: 'nokey', query: 'q' })), reason: 'missing-key' },
      { key: 'other', value: Buffer.from(JSON.stringify({ requestId: 'mismatch', query: 'q' })), reason: 'key-mismatch' },
    ];
    for (const entry of bad) await harness.produceRaw(entry.key, entry.value, { origin: 'upstream-test' });
    await harness.request('after-bad', 'Does the pipeline go on after bad input?', { maxSearches: 1 });

    const dlq = await harness.recorder.waitFor(harness.config.topics.deadLetter, bad.length);
    for (const entry of bad) {
      const record = dlq.find((r) => r.value.equals(entry.value));
      assert.ok(record, `a DLQ record holds the bytes of ${entry.reason}`);
      assert.equal(record.key, entry.key ?? undefined);
      assert.equal(record.headers.origin, 'upstream-test', 'original headers kept');
      const headers = deadLetterHeadersSchema.parse(record.headers);
      assert.equal(headers['dlq.reason'], entry.reason);
      assert.equal(headers['dlq.source.topic'], harness.config.topics.requested);
      assert.ok(headers['dlq.detail'].length > 0);
    }
    await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === 'after-bad');
    // Dead-lettered records are acknowledged like started ones: the group commits past them,
    // so a restart does not dead-letter them a second time.
    const admin = harness.kafka.admin();
    await admin.connect();
    try {
      const [high, committed] = await eventually(async () => {
        const marks = await admin.fetchTopicOffsets(harness.config.topics.requested);
        const offsets = (await admin.fetchOffsets({ groupId: harness.config.consumerGroupId, topics: [harness.config.topics.requested] }))[0]?.partitions ?? [];
        const highSum = marks.reduce((sum, mark) => sum + Number(mark.high), 0);
        const committedSum = offsets.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
        return committedSum === highSum ? [highSum, committedSum] : undefined;
      }, 30_000, 'the group to commit every record, dead-lettered ones included');
      assert.equal(committed, high);
    } finally {
      await admin.disconnect();
    }
  });
});

describe('faults at the model endpoint', () => {
  let harness: PipelineHarness;
  before(async () => {
    harness = await PipelineHarness.start();
  });
  after(async () => {
    await (harness as PipelineHarness | undefined)?.close();
  });

  it('a 429 with Retry-After, then success, still completes', async () => {
    harness.standIn.setFaults({ rules: [{ match: { formatName: 'research_plan' }, sequence: [{ kind: 'status', status: 429, retryAfterSeconds: 0.2 }] }] });
    harness.standIn.resetCalls();
    await harness.request('rate-limited', 'How should clients back off from rate limits?', { maxSearches: 2 });
    await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === 'rate-limited');
    const planCalls = harness.standIn.calls().filter((call) => call.formatName === 'research_plan');
    assert.deepEqual(planCalls.map((call) => call.status), [429, 200], 'the 429 fired, then the retry succeeded');
  });

  it('some searches failing still completes and lists the failed searches', async () => {
    const query = 'What limits vector search recall at scale?';
    const searches = await plannedSearches(harness.standIn.baseUrl, 'gpt-4.1', query, 4);
    const doomed = searches[1] as string;
    harness.standIn.setFaults({ rules: [{ match: { formatName: 'search_summary', inputIncludes: `Search: ${doomed}\n` }, sequence: [{ kind: 'status', status: 500 }], repeat: true }] });
    harness.standIn.resetCalls();
    await harness.request('partial', query, { maxSearches: 4 });
    const [record] = await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === 'partial');
    const event = researchCompletedSchema.parse(JSON.parse(record?.value.toString() ?? ''));
    const failed = event.searches.filter((search) => !search.succeeded);
    assert.deepEqual(failed.map((search) => search.query), [doomed]);
    assert.match(failed[0]?.error ?? '', /HTTP 500/);
    assert.equal(event.searches.filter((search) => search.succeeded).length, 3);
    const doomedCalls = harness.standIn.calls().filter((call) => call.fault === 'status' && call.formatName === 'search_summary');
    assert.equal(doomedCalls.length, 4, 'SDK retry × activity attempts: 2 × 2 calls, all failed');
  });

  it('all searches failing publishes research.failed with the stage and partial usage', async () => {
    harness.standIn.setFaults({ rules: [{ match: { formatName: 'search_summary' }, sequence: [{ kind: 'status', status: 503 }], repeat: true }] });
    await harness.request('all-fail', 'Can anything be found at all?', { maxSearches: 2 });
    const [record] = await harness.recorder.waitFor(harness.config.topics.failed, 1, (r) => r.key === 'all-fail');
    const event = researchFailedSchema.parse(JSON.parse(record?.value.toString() ?? ''));
    assert.equal(event.stage, 'search');
    assert.equal(event.cancelled, false);
    assert.equal(event.error.type, 'AllSearchesFailedError');
    assert.ok((event.usage.planner?.inputTokens ?? 0) > 0, 'the planner usage is reported');
    assert.equal(record?.headers.ce_type, 'research.failed.v1');
    assert.equal(harness.recorder.on(harness.config.topics.completed).filter((r) => r.key === 'all-fail').length, 0);
  });

  it('an answer that keeps failing its schema fails the run for good after the allowed attempts', async () => {
    harness.standIn.setFaults({ rules: [{ match: { formatName: 'research_plan' }, sequence: [{ kind: 'malformed' }], repeat: true }] });
    harness.standIn.resetCalls();
    await harness.request('malformed', 'What if the model never answers in JSON?');
    const [record] = await harness.recorder.waitFor(harness.config.topics.failed, 1, (r) => r.key === 'malformed');
    const event = researchFailedSchema.parse(JSON.parse(record?.value.toString() ?? ''));
    assert.equal(event.stage, 'plan');
    assert.equal(event.error.type, 'ModelOutputInvalidError');
    const planCalls = harness.standIn.calls().filter((call) => call.formatName === 'research_plan');
    assert.equal(planCalls.length, 2, 'two answers asked for within one attempt, and no activity retry (non-retryable)');
  });
});
