import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IngestOutcome } from '../../../consumers/ingestConsumer';
import { createResearchClient, type ResearchClient } from '../../../src/client/researchClient';
import { researchFailedSchema } from '../../../src/contracts/researchFailed';
import { RequestIntake } from '../../../src/intake/requestIntake';
import { silentLogger } from '../../../src/logging/logger';
import { PipelineHarness } from '../../support/pipelineHarness';
import { tearDown } from '../../support/teardown';
import { eventually } from '../../support/testInfrastructure';

/** Planning questions with this word hang (five minutes): their runs stay running until cancelled. */
const hangWord = 'axolotl';
const hang = { kind: 'delay', ms: 300_000 } as const;
const faults = { rules: [{ match: { formatName: 'research_plan', inputIncludes: hangWord }, sequence: [hang], repeat: true }] };
const cancelHeaders = { ce_specversion: '1.0', ce_type: 'research.cancel.v1', ce_id: 'c', ce_source: 'test' };

describe('who may cancel: cancels come from their own topic, and (when required) from the request’s own requester', () => {
  let harness: PipelineHarness;
  let client: ResearchClient;

  before(async () => {
    // A ten-minute wait: a cancel that ends sooner ended because ingest had caught up, not by the clock.
    harness = await PipelineHarness.start({ faults, env: { OPENAI_TIMEOUT_MS: '600000', OPENAI_MAX_RETRIES: '0', CANCEL_REQUIRE_SAME_REQUESTER: 'true', CANCEL_WAIT_FOR_RUN_MS: '600000' } });
    client = createResearchClient({ kafka: harness.kafka, topics: harness.config.topics });
  });
  // Also after a failed before(): the harness is closed whatever the client's close threw.
  after(() =>
    tearDown(
      () => client?.close(),
      () => harness?.close(),
    ),
  );

  const cancelOutcomes = (requestId: string) => harness.outcomes.filter((outcome): outcome is Extract<IngestOutcome, { kind: 'cancel' }> => outcome.kind === 'cancel' && outcome.requestId === requestId);
  const letterOf = async (requestId: string, reason: string) => {
    const [letter] = await harness.recorder.waitFor(harness.config.topics.deadLetter, 1, (record) => record.key === requestId && record.headers['dlq.reason'] === reason, 60_000);
    return letter;
  };
  const statusOf = async (requestId: string) => (await harness.client.workflow.getHandle(harness.workflowId(requestId)).describe()).status.name;
  const hangingRun = async (requestId: string, requestedBy: string) => {
    await harness.request(requestId, `How do ${hangWord}s regrow limbs (${requestId})?`, { maxSearches: 1, requestedBy });
    await eventually(() => harness.standIn.calls().find((call) => call.fault === 'delay' && call.inputExcerpt.includes(requestId)), 60_000, `${requestId} to hang in plan`);
  };
  const cancelOnCancelTopic = (requestId: string, body: object, headers: Record<string, string> = cancelHeaders) =>
    harness.producer.send({ topic: harness.config.topics.cancel, acks: -1, messages: [{ key: requestId, value: JSON.stringify({ requestId, ...body }), headers }] });

  it('a cancel on the requests topic is dead-lettered as cancel-not-allowed and the run goes on', async () => {
    await hangingRun('via-requests', 'alice');
    await harness.produceRaw('via-requests', JSON.stringify({ requestId: 'via-requests', requestedBy: 'alice' }), cancelHeaders);
    const letter = await letterOf('via-requests', 'cancel-not-allowed');
    assert.match(letter?.headers['dlq.detail'] ?? '', /TOPIC_CANCEL.*CANCELS_ON_REQUESTS_TOPIC=true/);
    assert.equal(await statusOf('via-requests'), 'RUNNING');
    assert.deepEqual(cancelOutcomes('via-requests'), [], 'never delivered');
    // Its own requester, on the cancel topic (the library's way), ends it.
    await client.cancel('via-requests', { requestedBy: 'alice', reason: 'done with it' });
    const [failed] = await harness.recorder.waitFor(harness.config.topics.failed, 1, (record) => record.key === 'via-requests', 90_000);
    assert.equal(researchFailedSchema.parse(JSON.parse(failed?.value.toString() ?? '{}')).cancelled, true);
  });

  it('a cancel from someone other than the requester is refused (cancel-refused) and the run goes on; one without requestedBy too', async () => {
    await hangingRun('owned-by-bob', 'bob');
    await client.cancel('owned-by-bob', { requestedBy: 'mallory', reason: 'not mine' });
    const refused = await letterOf('owned-by-bob', 'cancel-refused');
    assert.match(refused?.headers['dlq.detail'] ?? '', /CANCEL_REQUIRE_SAME_REQUESTER=true/);
    await cancelOnCancelTopic('owned-by-bob', { reason: 'anonymous' });
    await eventually(() => harness.recorder.on(harness.config.topics.deadLetter).filter((record) => record.key === 'owned-by-bob' && record.headers['dlq.reason'] === 'cancel-refused').length === 2 || undefined, 60_000, 'the anonymous cancel refused too');
    assert.equal(await statusOf('owned-by-bob'), 'RUNNING');
    assert.deepEqual(harness.recorder.on(harness.config.topics.failed).filter((record) => record.key === 'owned-by-bob'), []);
    await client.cancel('owned-by-bob', { requestedBy: 'bob' });
    await harness.recorder.waitFor(harness.config.topics.failed, 1, (record) => record.key === 'owned-by-bob', 90_000);
    // research.failed leaves before the run closes.
    await eventually(async () => (await statusOf('owned-by-bob')) === 'CANCELLED' || undefined, 60_000, 'the run to close as cancelled');
  });

  it('a cancel on the cancel topic sent before its request waits for the run and cancels it', async () => {
    await cancelOnCancelTopic('cancel-early', { requestedBy: 'carol', reason: 'changed my mind' });
    await harness.request('cancel-early', `Do ${hangWord}s sleep (cancel-early)?`, { maxSearches: 1, requestedBy: 'carol' });
    const [failed] = await harness.recorder.waitFor(harness.config.topics.failed, 1, (record) => record.key === 'cancel-early', 90_000);
    const event = researchFailedSchema.parse(JSON.parse(failed?.value.toString() ?? '{}'));
    assert.deepEqual([event.cancelled, event.cancelReason], [true, 'changed my mind']);
    assert.deepEqual(cancelOutcomes('cancel-early').map((outcome) => outcome.result), ['requested']);
  });

  it('a cancel for a request id never sent is not-found once ingest has taken in every request sent before it, long before its wait ends', async () => {
    await harness.request('sent-before', 'Do axolotls have lungs? (sent before)', { maxSearches: 1 });
    await cancelOnCancelTopic('never-sent', { requestedBy: 'erin' });
    await eventually(() => cancelOutcomes('never-sent').length === 1 || undefined, 90_000, 'the cancel to settle');
    assert.deepEqual(cancelOutcomes('never-sent').map((outcome) => outcome.result), ['not-found']);
    assert.deepEqual(await harness.runsOf(harness.workflowId('never-sent')), []);
  });

  it('a cancel whose wait ends while requests sent before it are still not taken in is dead-lettered as cancel-unmatched, not forgotten', async () => {
    const intake = new RequestIntake({
      temporal: harness.client,
      producer: harness.producer,
      config: { ...harness.config, cancels: { ...harness.config.cancels, waitForRunMs: 500 } },
      logger: silentLogger,
      backoff: { initialMs: 50, maxMs: 200, factor: 2 },
      requestsTakenIn: () => Promise.resolve(false),
    });
    const message = { key: Buffer.from('behind'), value: Buffer.from('{"requestId":"behind","requestedBy":"frank"}'), headers: {}, timestamp: String(Date.now()), attributes: 0, offset: '0' };
    const location = { topic: harness.config.topics.cancel, partition: 0, offset: '0' };
    const outcome = await intake.admit(message, location, { conflict: 'use-existing', deadLetters: 'write', cancels: 'deliver', trace: 'continue' }, { signal: new AbortController().signal, canContinue: () => true });
    assert.equal(outcome?.kind, 'dead-lettered');
    assert.equal(outcome?.kind === 'dead-lettered' && outcome.reason, 'cancel-unmatched');
    const letter = await letterOf('behind', 'cancel-unmatched');
    assert.match(letter?.headers['dlq.detail'] ?? '', /its request may still run; send the cancel again/);
  });

  it('every record on the cancel topic is a cancel: one without ce_type is read as one, a request there is dead-lettered', async () => {
    await hangingRun('plain-cancel', 'dave');
    // No ce_type, and even a CloudEvents header without one: on this topic it is a cancel.
    await cancelOnCancelTopic('plain-cancel', { requestedBy: 'dave' }, { ce_specversion: '1.0' });
    await harness.recorder.waitFor(harness.config.topics.failed, 1, (record) => record.key === 'plain-cancel', 90_000);
    await cancelOnCancelTopic('not-a-cancel', { query: 'Is this a request?' }, { ce_specversion: '1.0', ce_type: 'research.requested.v1', ce_id: 'r', ce_source: 'test' });
    const letter = await letterOf('not-a-cancel', 'unsupported-type');
    assert.match(letter?.headers['dlq.detail'] ?? '', /on the cancel topic/);
    assert.deepEqual(await harness.runsOf(harness.workflowId('not-a-cancel')), [], 'nothing started from the cancel topic');
  });
});

describe('with CANCELS_ENABLED=false', () => {
  let harness: PipelineHarness;
  before(async () => {
    harness = await PipelineHarness.start({ faults, env: { OPENAI_TIMEOUT_MS: '600000', OPENAI_MAX_RETRIES: '0', CANCELS_ENABLED: 'false' } });
  });
  after(async () => {
    await harness?.close();
  });

  it('every cancel is dead-lettered as cancel-not-allowed, naming the setting, and the run goes on', async () => {
    await harness.request('kept', `Where do ${hangWord}s live (kept)?`, { maxSearches: 1 });
    await eventually(() => harness.standIn.calls().find((call) => call.fault === 'delay' && call.inputExcerpt.includes('kept')), 60_000, 'the run to hang in plan');
    await harness.producer.send({ topic: harness.config.topics.cancel, acks: -1, messages: [{ key: 'kept', value: JSON.stringify({ requestId: 'kept' }), headers: cancelHeaders }] });
    const [letter] = await harness.recorder.waitFor(harness.config.topics.deadLetter, 1, (record) => record.key === 'kept', 60_000);
    assert.equal(letter?.headers['dlq.reason'], 'cancel-not-allowed');
    assert.match(letter?.headers['dlq.detail'] ?? '', /CANCELS_ENABLED=false/);
    assert.equal((await harness.client.workflow.getHandle(harness.workflowId('kept')).describe()).status.name, 'RUNNING');
    // The hanging run ends with the harness: terminated, so the test leaves nothing behind.
    await harness.client.workflow.getHandle(harness.workflowId('kept')).terminate('test over');
  });
});
