import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createResearchClient, type ResearchClient } from '../../../src/client/researchClient';
import { researchFailedSchema, type ResearchFailed } from '../../../src/contracts/researchFailed';
import type { IngestOutcome } from '../../../consumers/ingestConsumer';
import type { RecordedCall } from '../../../dev/standIn';
import { replayBatch } from '../../support/batchRequests';
import { runCli } from '../../support/cliRunner';
import { PipelineHarness } from '../../support/pipelineHarness';
import { parsePrometheusText, sumOf } from '../../support/prometheusText';
import { tearDown } from '../../support/teardown';
import { eventually } from '../../support/testInfrastructure';

/**
 * A model call that answers only after five minutes: a run is caught in the stage of the call
 * for as long as the test needs. Each stage has a word of its own in its question, so one
 * harness holds a run in each stage at once.
 */
const hang = { kind: 'delay', ms: 300_000 } as const;
const stages = [
  { stage: 'plan', requestId: 'in-plan', word: 'quokka', formatName: 'research_plan' },
  { stage: 'search', requestId: 'in-search', word: 'wombat', formatName: 'search_summary' },
  { stage: 'write', requestId: 'in-write', word: 'numbat', formatName: 'research_report' },
] as const;
/** Requests sent with their cancel in one batch: they hang in plan unless the cancel reaches them. */
const batchedWord = 'kiwi';
/** A run that must still be running after its cancel is replayed and redriven. */
const redriveTarget = { requestId: 'redrive-target', word: 'platypus' };

/**
 * The activity learns of the cancel from its next heartbeat that reaches Temporal: it beats every
 * 5 s, and the worker sends at most one beat per 24 s (0.8 × the 30 s heartbeat timeout).
 */
const abortWithinMs = 60_000;

/** Each partition's end offset of the requests topic now: where a replay of what follows begins. */
async function topicEnds(harness: PipelineHarness): Promise<Map<number, string>> {
  const admin = harness.kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(harness.config.topics.requested)).map(({ partition, high }) => [partition, high]));
  } finally {
    await admin.disconnect();
  }
}

describe('a research.cancel event (the library and CLI send it to the cancel topic; raw records here go to the requests topic, as CANCELS_ON_REQUESTS_TOPIC allows while producers move)', () => {
  let harness: PipelineHarness;
  let client: ResearchClient;

  before(async () => {
    harness = await PipelineHarness.start({
      // The client must not give up on a hanging call before the cancel aborts it.
      // A cancel for a request id without a run waits 2 s for it on the cancel topic (not 30).
      env: { OPENAI_TIMEOUT_MS: '600000', OPENAI_MAX_RETRIES: '0', CANCELS_ON_REQUESTS_TOPIC: 'true', CANCEL_WAIT_FOR_RUN_MS: '2000' },
      faults: {
        rules: [
          ...stages.map(({ word, formatName }) => ({ match: { formatName, inputIncludes: word }, sequence: [hang], repeat: true })),
          { match: { formatName: 'research_plan', inputIncludes: redriveTarget.word }, sequence: [hang], repeat: true },
          { match: { formatName: 'research_plan', inputIncludes: batchedWord }, sequence: [hang], repeat: true },
        ],
      },
    });
    client = createResearchClient({ kafka: harness.kafka, topics: harness.config.topics });
  });
  // Also after a failed before(): the harness is closed whatever the client's close threw.
  after(() =>
    tearDown(
      () => (client as ResearchClient | undefined)?.close(),
      () => (harness as PipelineHarness | undefined)?.close(),
    ),
  );

  const failedOf = (requestId: string): ResearchFailed[] =>
    harness.recorder.on(harness.config.topics.failed).filter((record) => record.key === requestId).map((record) => researchFailedSchema.parse(JSON.parse(record.value.toString())));
  const completedOf = (requestId: string) => harness.recorder.on(harness.config.topics.completed).filter((record) => record.key === requestId);
  const cancelOutcomes = (requestId: string) => harness.outcomes.filter((outcome): outcome is Extract<IngestOutcome, { kind: 'cancel' }> => outcome.kind === 'cancel' && outcome.requestId === requestId);
  /** The hanging model call of a run, once it has arrived. */
  const hangingCall = (formatName: string, word: string): Promise<RecordedCall> =>
    eventually(() => harness.standIn.calls().find((call) => call.fault === 'delay' && call.formatName === formatName && call.inputExcerpt.includes(word)), 60_000, `the ${formatName} call about ${word} to hang`);
  const cancelRecord = (requestId: string, data: object) => harness.produceRaw(requestId, JSON.stringify({ requestId, ...data }), { ce_specversion: '1.0', ce_type: 'research.cancel.v1', ce_id: `cancel-${requestId}`, ce_source: 'test' });

  it('cancels a run in each stage — plan, search, write: one research.failed with cancelled, the stage and the reason, no research.completed, and the model call in flight aborted', async () => {
    for (const { requestId, word } of stages) await harness.request(requestId, `What do ${word} populations tell us about habitat loss?`, { maxSearches: 1 });
    const hanging = await Promise.all(stages.map(({ formatName, word }) => hangingCall(formatName, word)));
    // Past the activities' first heartbeat (5 s): the cancel then waits for a throttled one, the slow case.
    await new Promise((resolve) => setTimeout(resolve, 7000));
    const sentAt = Date.now();
    // Three senders: the library, the CLI and any CloudEvents producer (a raw record).
    await client.cancel('in-plan', { reason: 'asked by mistake', requestedBy: 'library-test' });
    const cli = await runCli(['cancel', 'in-search', '--reason', 'the question changed'], harness.env);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /cancel for in-search sent to /);
    await cancelRecord('in-write', { reason: 'budget exhausted' });
    // Sent twice: still one research.failed.
    await cancelRecord('in-write', { reason: 'a second reason' });

    const reasons = { 'in-plan': 'asked by mistake', 'in-search': 'the question changed', 'in-write': 'budget exhausted' };
    for (const { stage, requestId } of stages) {
      await harness.recorder.waitFor(harness.config.topics.failed, 1, (record) => record.key === requestId);
      const [event, ...more] = failedOf(requestId);
      assert.deepEqual(more, [], `one research.failed for ${requestId}`);
      assert.deepEqual([event?.cancelled, event?.stage, event?.cancelReason, event?.error.type], [true, stage, reasons[requestId], 'Cancelled']);
      assert.equal(event?.error.message, `the run was cancelled: ${reasons[requestId]}`);
      assert.equal(event?.workflowId, harness.workflowId(requestId), 'the live run');
    }
    // The calls in flight were aborted by the client (the stand-in saw them leave: 499), not answered.
    const aborted = await eventually(() => {
      const calls = hanging.map((call) => harness.standIn.calls().find((entry) => entry.requestId === call.requestId));
      return calls.every((call) => call?.status === 499) ? calls : undefined;
    }, abortWithinMs, 'the hanging calls to be aborted');
    console.log(`cancel sent → every model call in flight aborted within ${Date.now() - sentAt} ms`);
    assert.equal(aborted.length, 3);

    const runs = await harness.settledRunIds((id) => stages.some(({ requestId }) => id === harness.workflowId(requestId)), 3);
    assert.equal(runs.length, 3, 'no run started by a cancel');
    for (const { requestId } of stages) {
      assert.equal((await harness.client.workflow.getHandle(harness.workflowId(requestId)).describe()).status.name, 'CANCELLED');
      assert.deepEqual(completedOf(requestId), [], `no research.completed for ${requestId}`);
      assert.equal(failedOf(requestId).length, 1, `still one research.failed for ${requestId} once its run has closed`);
      assert.ok(harness.standIn.calls().filter((call) => call.inputExcerpt.includes(stages.find((s) => s.requestId === requestId)?.word ?? '?') && call.fault === 'delay').length === 1, 'no new attempt after the cancel');
    }
    await eventually(() => cancelOutcomes('in-write').length === 2 || undefined, 30_000, 'both cancels of in-write handled');
    assert.deepEqual(cancelOutcomes('in-plan').map((outcome) => outcome.result), ['requested']);
    assert.ok(cancelOutcomes('in-write').every((outcome) => outcome.result === 'requested' || outcome.result === 'finished'), 'the second cancel finds the run being cancelled or ended');
  });

  it('a cancel sent right behind its request, in the same batch, waits for the request’s start and cancels the run', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `batched-${i}`);
    const cancelHeaders = { ce_specversion: '1.0', ce_type: 'research.cancel.v1', ce_id: 'batched', ce_source: 'test' };
    await harness.producer.send({
      topic: harness.config.topics.requested,
      acks: -1,
      messages: ids.flatMap((id) => [
        { key: id, value: JSON.stringify({ requestId: id, query: `Do ${batchedWord} birds ${id} fly at night?`, maxSearches: 1 }), headers: { ce_type: 'research.requested.v1' } },
        { key: id, value: JSON.stringify({ requestId: id, reason: 'right behind' }), headers: cancelHeaders },
      ]),
    });
    for (const id of ids) {
      await harness.recorder.waitFor(harness.config.topics.failed, 1, (record) => record.key === id);
      assert.deepEqual(cancelOutcomes(id).map((outcome) => outcome.result), ['requested'], `${id}: the cancel found its run`);
      assert.deepEqual(failedOf(id).map((event) => [event.cancelled, event.stage, event.cancelReason]), [[true, 'plan', 'right behind']]);
    }
  });

  it('a cancel for a finished run or a request id without a run changes nothing, starts nothing, and says so', async () => {
    await harness.request('finished-run', 'How do otters keep warm?', { maxSearches: 1 });
    await harness.recorder.waitFor(harness.config.topics.completed, 1, (record) => record.key === 'finished-run');
    await harness.settledRunIds((id) => id === harness.workflowId('finished-run'), 1);
    await cancelRecord('finished-run', { reason: 'too late' });
    await client.cancel('never-sent', { reason: 'no such request' });

    await eventually(() => cancelOutcomes('finished-run').length + cancelOutcomes('never-sent').length === 2 || undefined, 30_000, 'both cancels handled');
    assert.deepEqual(cancelOutcomes('finished-run').map((outcome) => outcome.result), ['finished']);
    assert.deepEqual(cancelOutcomes('never-sent').map((outcome) => outcome.result), ['not-found']);
    assert.deepEqual(await harness.runsOf(harness.workflowId('never-sent')), [], 'no run for the unknown id');
    assert.equal((await harness.runsOf(harness.workflowId('finished-run'))).length, 1, 'still the one run');
    assert.equal((await harness.client.workflow.getHandle(harness.workflowId('finished-run')).describe()).status.name, 'COMPLETED');
    assert.equal(completedOf('finished-run').length, 1);
    assert.deepEqual([...failedOf('finished-run'), ...failedOf('never-sent')], []);
    assert.equal(harness.recorder.on(harness.config.topics.deadLetter).filter((record) => ['finished-run', 'never-sent'].includes(record.key ?? '')).length, 0, 'a valid cancel is never a dead letter');

    const port = harness.service?.httpPort;
    assert.ok(port);
    const samples = parsePrometheusText(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    const group = { messaging_consumer_group_name: harness.config.consumerGroupId };
    assert.equal(sumOf(samples, 'research_relay_ingest_cancels_total', { ...group, result: 'finished' }), 1);
    assert.equal(sumOf(samples, 'research_relay_ingest_cancels_total', { ...group, result: 'not-found' }), 1);
  });

  it('a cancel that arrives before its request finds no run and is not remembered: the request then runs', async () => {
    await cancelRecord('cancel-first', { reason: 'sent out of order' });
    await harness.request('cancel-first', 'Why do puffins nest on cliffs?', { maxSearches: 1 });
    await harness.recorder.waitFor(harness.config.topics.completed, 1, (record) => record.key === 'cancel-first');
    assert.deepEqual(cancelOutcomes('cancel-first').map((outcome) => outcome.result), ['not-found']);
    assert.deepEqual(failedOf('cancel-first'), []);
  });

  it('dead-letters a cancel that breaks its schema, with the reason', async () => {
    await cancelRecord('bad-cancel', { reason: 'x'.repeat(1001) });
    const [letter] = await harness.recorder.waitFor(harness.config.topics.deadLetter, 1, (record) => record.key === 'bad-cancel');
    assert.equal(letter?.headers['dlq.reason'], 'schema-violation');
    assert.match(letter?.headers['dlq.detail'] ?? '', /reason/);
    assert.equal(letter?.headers.ce_type, 'research.cancel.v1', 'the original headers');
    assert.deepEqual(cancelOutcomes('bad-cancel'), []);
  });

  it('replay and dlq redrive count a cancel and never deliver it: the run it names keeps running', async () => {
    const { requestId, word } = redriveTarget;
    const from = await topicEnds(harness);
    // Sent before its request (a producer's mistake): live ingest finds no run, then the request runs and hangs in plan.
    await cancelRecord(requestId, { reason: 'sent out of order' });
    await harness.request(requestId, `Where do ${word}s lay eggs?`, { maxSearches: 1 });
    await hangingCall('research_plan', word);
    assert.deepEqual(cancelOutcomes(requestId).map((outcome) => outcome.result), ['not-found']);
    const handle = harness.client.workflow.getHandle(harness.workflowId(requestId));
    const untouched = async (what: string): Promise<void> => {
      const history = (await handle.fetchHistory()).events ?? [];
      assert.ok(!history.some((event) => event.workflowExecutionCancelRequestedEventAttributes || event.workflowExecutionSignaledEventAttributes), `${what}: no cancel and no note reached the run`);
      assert.equal((await handle.describe()).status.name, 'RUNNING', what);
    };

    const runsBefore = await harness.stableRunCount();
    const replayed = await replayBatch(harness, { from: { kind: 'offsets', offsets: from }, mode: 'skip-existing' });
    assert.deepEqual([replayed.cancels, replayed.existing, replayed.started, replayed.invalid], [1, 1, 0, 0]);
    const dry = await replayBatch(harness, { from: { kind: 'offsets', offsets: from }, dryRun: true });
    assert.equal(dry.cancels, 1);
    await untouched('after the replays');
    assert.equal(await harness.stableRunCount(), runsBefore, 'no run started');

    // Over the harness's 4 KiB limit (an unknown field pads it): dead-lettered as too-large.
    await cancelRecord(requestId, { reason: 'late', padding: 'p'.repeat(5000) });
    await harness.recorder.waitFor(harness.config.topics.deadLetter, 1, (record) => record.key === requestId);
    const letters = await harness.topicEnd(harness.config.topics.deadLetter);
    // After the "fix" (a larger limit) the letter decodes as a cancel: reported, never delivered.
    const redrive = await runCli(['dlq', 'redrive', '--where', `key=${requestId}`, '--json'], { ...harness.env, INGEST_MAX_MESSAGE_BYTES: '65536' });
    assert.equal(redrive.code, 0, redrive.stderr);
    const result = JSON.parse(redrive.stdout) as { started: unknown[]; stillInvalid: unknown[]; cancels: { key: string }[] };
    assert.deepEqual([result.started.length, result.stillInvalid.length, result.cancels.map((letter) => letter.key)], [0, 0, [requestId]]);
    await untouched('after the redrive');
    assert.equal(await harness.topicEnd(harness.config.topics.deadLetter), letters, 'the letter stays; nothing written');

    // A live cancel ends it (and the test's hanging call); without a reason, research.failed gives none.
    await client.cancel(requestId);
    const [failed] = await harness.recorder.waitFor(harness.config.topics.failed, 1, (record) => record.key === requestId);
    const event = researchFailedSchema.parse(JSON.parse(failed?.value.toString() ?? '{}'));
    assert.deepEqual([event.cancelled, event.stage, event.cancelReason, event.error.message], [true, 'plan', undefined, 'the run was cancelled']);
  });
});
