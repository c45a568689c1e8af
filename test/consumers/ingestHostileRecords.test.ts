import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigResourceTypes } from 'kafkajs';
import { researchRequestedSchema } from '../../src/contracts/researchRequested';
import { StartRejectedError } from '../../src/errors';
import { startResearchRun } from '../../src/intake/researchRunStarter';
import { newTraceContext } from '../../src/telemetry/traceContext';
import { produceWithConsoleProducer, type ConsoleRecord } from '../support/consoleProducer';
import { eventually } from '../support/eventually';
import { PipelineHarness } from '../support/pipelineHarness';
import type { RecordedRecord } from '../support/topicRecorder';

/** Kafka 4 refuses stamps more than an hour ahead (log.message.timestamp.after.max.ms); this is within it. */
const halfAnHour = 1_800_000;

/**
 * Records real producers can send that once stopped ingest, on a topic of one partition: each
 * must end as a dead letter with its reason (or a run), and the good request behind it must run.
 */
describe('hostile records on the requests topic', () => {
  let harness: PipelineHarness;

  before(async () => {
    // One partition: a record that stalls its partition stalls every request behind it.
    harness = await PipelineHarness.start({ env: { TOPIC_PARTITIONS: '1', INGEST_MAX_INFLATED_BATCH_BYTES: '1048576' } });
  });
  after(async () => {
    await harness?.close();
  });

  const letterOf = async (key: string): Promise<RecordedRecord | undefined> => (await harness.recorder.waitFor(harness.config.topics.deadLetter, 1, (record) => record.key === key, 90_000))[0];
  /** The good request behind the hostile record runs to its result. */
  const nextRuns = async (requestId: string): Promise<void> => {
    await harness.request(requestId, `Does the request behind ${requestId} still run?`, { maxSearches: 1 });
    await harness.recorder.waitFor(harness.config.topics.completed, 1, (record) => record.key === requestId, 90_000);
  };
  const consoleProduce = (records: readonly ConsoleRecord[], compression?: 'gzip' | 'snappy' | 'lz4' | 'zstd', properties?: Record<string, number>) =>
    produceWithConsoleProducer({ brokers: harness.config.kafka.brokers, topic: harness.config.topics.requested, records, ...(compression ? { compression } : {}), ...(properties ? { properties } : {}) });
  const request = (requestId: string, extra = ''): string => `{"requestId":"${requestId}","query":"What is in ${requestId}?","maxSearches":1${extra}}`;

  it('a null header value (the Java client sends them) is no header: the record is read, and its dead letter leaves the null out and names it', async () => {
    await consoleProduce([
      { key: 'null-header-bad', value: 'not json', headers: [['ce_type', null], ['x-tag', 'kept']] },
      { key: 'null-header-good', value: request('null-header-good'), headers: [['ce_type', 'research.requested.v1'], ['traceparent', null]] },
    ]);
    const letter = await letterOf('null-header-bad');
    assert.equal(letter?.headers['dlq.reason'], 'not-json', 'a null ce_type is no ce_type');
    assert.equal(letter?.headers['x-tag'], 'kept', 'the other headers are copied');
    assert.equal(letter?.headers['dlq.headers.dropped'], 'null values: ce_type');
    await harness.recorder.waitFor(harness.config.topics.completed, 1, (record) => record.key === 'null-header-good', 90_000);
  });

  it('20,000 headers: dead-lettered as headers-too-large with only its dlq.* headers, and the partition moves on', async () => {
    const headers = Array.from({ length: 20_000 }, (_, i) => [`h${i % 50}`, `value-${i}`] as const);
    await consoleProduce([{ key: 'many-headers', value: request('many-headers'), headers }]);
    const letter = await letterOf('many-headers');
    assert.equal(letter?.headers['dlq.reason'], 'headers-too-large');
    assert.match(letter?.headers['dlq.detail'] ?? '', /20000 headers; the limit is 100 \(INGEST_MAX_HEADER_COUNT\)/);
    assert.deepEqual(Object.keys(letter?.headers ?? {}).filter((name) => !name.startsWith('dlq.')), [], 'none of the 20,000 copied');
    assert.deepEqual(await harness.runsOf(harness.workflowId('many-headers')), []);
    await nextRuns('after-many-headers');
  });

  it('a gzip batch that inflates past INGEST_MAX_INFLATED_BATCH_BYTES and a snappy batch are dead-lettered without their content, and the partition moves on', async () => {
    await consoleProduce([{ key: 'bomb', value: { repeat: 'a', times: 8 * 1024 * 1024 } }], 'gzip', { 'max.request.size': 20_000_000, 'buffer.memory': 40_000_000 });
    const [bomb] = await harness.recorder.waitFor(harness.config.topics.deadLetter, 1, (record) => record.headers['dlq.reason'] === 'inflated-too-large', 90_000);
    assert.match(bomb?.headers['dlq.detail'] ?? '', /gzip/);
    assert.equal(bomb?.value.length, 0, 'nothing of the inflated content');
    await consoleProduce([{ key: 'snappy', value: request('snappy'), headers: [['ce_type', 'research.requested.v1']] }], 'snappy');
    await eventually(() => harness.recorder.on(harness.config.topics.deadLetter).some((record) => record.headers['dlq.reason'] === 'unsupported-compression') || undefined, 90_000, 'the snappy letter');
    await nextRuns('after-bomb');
  });

  it('text that is not well-formed — a lone surrogate in a field, bytes that are not UTF-8 — is dead-lettered as invalid-text', async () => {
    await harness.produceRaw('lone-surrogate', request('lone-surrogate', ',"metadata":{"team":"\\ud800"}'), { ce_type: 'research.requested.v1' });
    const surrogate = await letterOf('lone-surrogate');
    assert.equal(surrogate?.headers['dlq.reason'], 'invalid-text');
    assert.match(surrogate?.headers['dlq.detail'] ?? '', /metadata\.team holds a lone UTF-16 surrogate/);
    await harness.produceRaw('bad-utf8', Buffer.concat([Buffer.from(request('bad-utf8').slice(0, -1)), Buffer.from([0xff, 0xfe]), Buffer.from('}')]), { ce_type: 'research.requested.v1' });
    assert.equal((await letterOf('bad-utf8'))?.headers['dlq.reason'], 'invalid-text');
    await nextRuns('after-invalid-text');
  });

  it('Temporal refusing a start for invalid UTF-8 (INTERNAL) is a start that can never succeed, not one retried forever', async () => {
    const request = researchRequestedSchema.parse({ requestId: 'internal-utf8', query: 'Is an ill-formed string refused?', metadata: { team: 'a\ud800' } });
    const start = startResearchRun(harness.client, harness.config.temporal, { request, trace: newTraceContext(), location: { topic: 't', partition: 0, offset: '0' } });
    await assert.rejects(start, (error: unknown) => error instanceof StartRejectedError && /UTF-8/i.test(error.message));
  });

  it('a request id sent again with another question is dead-lettered as id-reused; the same request sent again is a duplicate', async () => {
    await harness.request('reused', 'What do otters eat?', { maxSearches: 1 });
    await harness.recorder.waitFor(harness.config.topics.completed, 1, (record) => record.key === 'reused', 90_000);
    await harness.request('reused', 'What do beavers build?', { maxSearches: 1 });
    const letter = await letterOf('reused');
    assert.equal(letter?.headers['dlq.reason'], 'id-reused');
    assert.match(letter?.headers['dlq.detail'] ?? '', /already belongs to run .*reused \((running|completed)\), which was started for different content/);
    await harness.request('reused', 'What do otters eat?', { maxSearches: 1, submittedAt: new Date().toISOString() });
    const duplicate = await eventually(() => harness.outcomes.filter((outcome) => 'requestId' in outcome && outcome.requestId === 'reused' && outcome.kind === 'duplicate').at(0), 60_000, 'the redelivery');
    assert.equal(duplicate.kind, 'duplicate');
    assert.equal(harness.recorder.on(harness.config.topics.completed).filter((record) => record.key === 'reused').length, 1, 'one result: the first question’s');
    assert.equal((await harness.runsOf(harness.workflowId('reused'))).length, 1);
  });

  it('age is judged by the broker’s clock where the relay created the topic, and a future stamp on a producer-stamped topic is dead-lettered', async () => {
    const admin = harness.kafka.admin();
    await admin.connect();
    try {
      const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: harness.config.topics.requested, configNames: ['message.timestamp.type'] }] });
      assert.equal(described.resources[0]?.configEntries[0]?.configValue, 'LogAppendTime');
      // A stamp half an hour ahead is replaced by the broker's: the request runs.
      await stamped('stamped-ahead', Date.now() + halfAnHour);
      await harness.recorder.waitFor(harness.config.topics.completed, 1, (record) => record.key === 'stamped-ahead', 90_000);
      const ahead = harness.outcomes.find((outcome) => 'requestId' in outcome && outcome.requestId === 'stamped-ahead');
      assert.ok(ahead && ahead.producedAt < Date.now() + 60_000, 'the broker stamped it, not the producer');
    } finally {
      await admin.disconnect();
    }
    await harness.keepProducerTimestamps();
    await stamped('from-the-future', Date.now() + halfAnHour);
    const letter = await letterOf('from-the-future');
    assert.equal(letter?.headers['dlq.reason'], 'future-timestamp');
    assert.match(letter?.headers['dlq.detail'] ?? '', /REQUEST_MAX_CLOCK_SKEW_MS/);
    await nextRuns('after-the-future');
  });

  const stamped = (requestId: string, timestamp: number) =>
    harness.producer.send({ topic: harness.config.topics.requested, acks: -1, messages: [{ key: requestId, value: request(requestId), headers: { ce_type: 'research.requested.v1' }, timestamp: String(timestamp) }] });
});

describe('under WORKFLOW_ID_REUSE_POLICY=allow-duplicate-failed-only', () => {
  let harness: PipelineHarness;
  before(async () => {
    harness = await PipelineHarness.start({
      env: { TOPIC_PARTITIONS: '1', WORKFLOW_ID_REUSE_POLICY: 'allow-duplicate-failed-only', OPENAI_TIMEOUT_MS: '600000', OPENAI_MAX_RETRIES: '0' },
      faults: { rules: [{ match: { formatName: 'research_plan', inputIncludes: 'tapir' }, sequence: [{ kind: 'delay', ms: 300_000 }], repeat: true }] },
    });
  });
  after(async () => {
    await harness?.close();
  });

  it('a cancelled request delivered again never runs again: no second run, no second terminal event; a terminated one does run again', async () => {
    await harness.request('cancelled-once', 'Where do tapirs roam?', { maxSearches: 1 });
    await eventually(() => harness.standIn.calls().find((call) => call.fault === 'delay' && call.inputExcerpt.includes('tapir')), 60_000, 'the run to hang in plan');
    await harness.producer.send({ topic: harness.config.topics.cancel, acks: -1, messages: [{ key: 'cancelled-once', value: JSON.stringify({ requestId: 'cancelled-once', reason: 'stop' }) }] });
    await harness.recorder.waitFor(harness.config.topics.failed, 1, (record) => record.key === 'cancelled-once', 90_000);
    await harness.settledRunIds((id) => id === harness.workflowId('cancelled-once'), 1);
    await harness.request('cancelled-once', 'Where do tapirs roam?', { maxSearches: 1 });
    const again = await eventually(() => harness.outcomes.filter((outcome) => 'requestId' in outcome && outcome.requestId === 'cancelled-once' && outcome.kind !== 'cancel').at(1), 60_000, 'the redelivery');
    assert.equal(again.kind, 'duplicate');
    assert.equal((await harness.runsOf(harness.workflowId('cancelled-once'))).length, 1, 'one run');
    assert.equal(harness.recorder.on(harness.config.topics.failed).filter((record) => record.key === 'cancelled-once').length, 1, 'one terminal event');

    // An operator's terminate publishes nothing: that request may run again, as the policy says.
    await harness.request('terminated-once', 'Do tapirs swim?', { maxSearches: 1 });
    const handle = harness.client.workflow.getHandle(harness.workflowId('terminated-once'));
    await eventually(() => harness.outcomes.find((outcome) => 'requestId' in outcome && outcome.requestId === 'terminated-once'), 60_000, 'the first start');
    await handle.terminate('operator stop');
    await harness.request('terminated-once', 'Do tapirs swim?', { maxSearches: 1 });
    const rerun = await eventually(() => harness.outcomes.filter((outcome) => 'requestId' in outcome && outcome.requestId === 'terminated-once').at(1), 60_000, 'the redelivery');
    assert.equal(rerun.kind, 'started');
    await eventually(async () => (await harness.runsOf(harness.workflowId('terminated-once'))).length === 2 || undefined, 30_000, 'a second run of the terminated request');
    await harness.client.workflow.getHandle(harness.workflowId('terminated-once')).terminate('test over');
  });
});
