import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Admin, Consumer, EachMessagePayload, Producer } from 'kafkajs';
import { ensureTopics } from '../../../src/kafka/topicProvisioner';
import { eventually, testKafka, uniqueName } from '../../support/testInfrastructure';

describe('the local Kafka broker, driven by kafkajs 2.2.4', () => {
  const kafka = testKafka();
  let admin: Admin;
  let producer: Producer;
  const topic = uniqueName('infra-topic');
  const groupId = uniqueName('infra-group');

  before(async () => {
    admin = kafka.admin();
    producer = kafka.producer({ idempotent: true });
    await Promise.all([admin.connect(), producer.connect()]);
  });

  after(async () => {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  });

  it('creates a topic through the admin API, and a second ensure is a no-op', async () => {
    assert.deepEqual(await ensureTopics(admin, [topic], 2), [topic]);
    assert.deepEqual(await ensureTopics(admin, [topic], 2), []);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    assert.equal(metadata.topics[0]?.partitions.length, 2);
  });

  it('delivers produced messages to a consumer group, and a restarted consumer resumes after the committed offset', async () => {
    const send = (from: number, to: number) =>
      producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: to - from }, (_, i) => ({ key: 'same-key', value: `m${from + i}`, headers: { n: String(from + i) } })),
      });
    await send(0, 5);

    const runConsumer = async (received: string[]): Promise<Consumer> => {
      const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1000 });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ message, partition }: EachMessagePayload) => {
          received.push(`${message.value?.toString()}|${message.headers?.n?.toString()}`);
          await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
        },
      });
      return consumer;
    };

    const first: string[] = [];
    const consumer1 = await runConsumer(first);
    await eventually(() => first.length === 5 || undefined, 30_000, 'the first five messages');
    await consumer1.disconnect();
    assert.deepEqual(first, ['m0|0', 'm1|1', 'm2|2', 'm3|3', 'm4|4']);

    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = offsets[0]?.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    assert.equal(committed, 5, 'the group committed all five offsets');

    await send(5, 8);
    const second: string[] = [];
    const consumer2 = await runConsumer(second);
    await eventually(() => second.length === 3 || undefined, 30_000, 'the three new messages');
    await consumer2.disconnect();
    // One key, one partition, in order: a redelivered old message would have come before m5.
    assert.deepEqual(second, ['m5|5', 'm6|6', 'm7|7'], 'the restarted consumer saw only what came after the commit');
  });
});
