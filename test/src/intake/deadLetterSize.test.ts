import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CompressionTypes, ConfigResourceTypes } from 'kafkajs';
import { redriveDeadLetters } from '../../../operator/deadLetters/deadLetterRedrive';
import { PipelineHarness } from '../../support/pipelineHarness';

describe('records too large for the dead-letter topic as they came', () => {
  let harness: PipelineHarness;

  before(async () => {
    // One partition: a stalled record would hold up the request after it.
    harness = await PipelineHarness.start({ env: { TOPIC_PARTITIONS: '1' } });
    // The request topic takes records up to 4 MiB; the DLQ keeps Kafka's default of 1 MiB.
    const admin = harness.kafka.admin();
    await admin.connect();
    try {
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: harness.config.topics.requested, configEntries: [{ name: 'max.message.bytes', value: '4194304' }] }] });
    } finally {
      await admin.disconnect();
    }
  });
  after(async () => {
    await (harness as PipelineHarness | undefined)?.close();
  });

  it('a 2 MB request sent gzip-compressed is dead-lettered whole, compressed, and the partition moves on', async () => {
    const value = JSON.stringify({ requestId: 'big-gzip', query: 'q', padding: 'a'.repeat(2_000_000) });
    await harness.producer.send({ topic: harness.config.topics.requested, acks: -1, compression: CompressionTypes.GZIP, messages: [{ key: 'big-gzip', value, headers: { ce_type: 'research.requested.v1' } }] });
    await harness.request('after-gzip', 'Does the next request still run?', { maxSearches: 1 });
    const [letter] = await harness.recorder.waitFor(harness.config.topics.deadLetter, 1, (record) => record.key === 'big-gzip');
    assert.equal(letter?.headers['dlq.reason'], 'too-large');
    assert.equal(letter?.value.length, Buffer.byteLength(value), 'the original bytes, all of them');
    assert.equal(letter?.value.toString(), value);
    await harness.recorder.waitFor(harness.config.topics.completed, 1, (record) => record.key === 'after-gzip');
  });

  it('a record the DLQ cannot hold even compressed is dead-lettered without its value, with its size, SHA-256 and source offset, and the partition moves on', async () => {
    const value = randomBytes(1_500_000); // incompressible, over the DLQ's 1 MiB
    const sent = await harness.producer.send({ topic: harness.config.topics.requested, acks: -1, messages: [{ key: 'big-random', value, headers: { ce_type: 'research.requested.v1', origin: 'size-test' } }] });
    await harness.request('after-random', 'And after that one?', { maxSearches: 1 });
    const [letter] = await harness.recorder.waitFor(harness.config.topics.deadLetter, 1, (record) => record.key === 'big-random');
    assert.equal(letter?.headers['dlq.reason'], 'too-large');
    assert.equal(letter?.headers['dlq.value.omitted'], 'too-large-for-the-dlq');
    assert.equal(letter?.headers['dlq.value.size'], String(value.length));
    assert.equal(letter?.headers['dlq.value.sha256'], createHash('sha256').update(value).digest('hex'));
    assert.equal(letter?.headers['dlq.source.offset'], sent[0]?.baseOffset, 'where to fetch the original');
    assert.equal(letter?.headers.origin, 'size-test', 'the original headers are kept');
    assert.equal(letter?.value.length, 0);
    await harness.recorder.waitFor(harness.config.topics.completed, 1, (record) => record.key === 'after-random');
    const redrive = await redriveDeadLetters({ kafka: harness.kafka, temporal: harness.client, config: harness.config, filter: { key: 'big-random' } });
    assert.deepEqual(redrive.stillInvalid.map(({ reason }) => reason), ['value-omitted'], 'redrive says where the original is instead of starting from an empty value');
    assert.match(redrive.stillInvalid[0]?.detail ?? '', new RegExp(`is at ${harness.config.topics.requested}/0/${sent[0]?.baseOffset}`));
  });
});
