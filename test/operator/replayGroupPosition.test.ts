import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Admin, Kafka } from 'kafkajs';
import { positionReplayGroup } from '../../operator/replay/replayGroupPosition';
import { ensureTopics } from '../../src/kafka/topicProvisioner';
import { testKafka, uniqueName } from '../support/testInfrastructure';

describe('positioning a new replay group', () => {
  const topic = uniqueName('replay-position');
  let kafka: Kafka;
  let admin: Admin;

  before(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [topic], 3);
    const producer = kafka.producer();
    try {
      // Also after a failed connect: kafkajs may hold a half-open connection.
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    } finally {
      await producer.disconnect();
    }
  });
  after(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('commits the start offset of every partition and leaves the group empty, in well under kafkajs setOffsets’s five seconds', async () => {
    const groupId = uniqueName('replay-position-group');
    const high = await admin.fetchTopicOffsets(topic);
    const start = new Map(high.map((partition) => [partition.partition, String(Math.min(2, Number(partition.high)))]));
    const began = Date.now();
    await positionReplayGroup(kafka, admin, groupId, topic, start);
    const tookMs = Date.now() - began;
    const committed = (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? [];
    assert.deepEqual(new Map(committed.map((partition) => [partition.partition, partition.offset])), start);
    const { groups } = await admin.describeGroups([groupId]);
    assert.equal(groups[0]?.state, 'Empty', 'the positioning member has left');
    assert.ok(tookMs < 2500, `positioned in ${tookMs} ms (kafkajs's admin.setOffsets waits out a 5 s fetch)`);
    await admin.deleteGroups([groupId]);
  });

  it('refuses a group that has a running member (the same replay running elsewhere)', async () => {
    const groupId = uniqueName('replay-position-busy');
    const member = kafka.consumer({ groupId });
    await member.connect();
    try {
      await member.subscribe({ topic, fromBeginning: true });
      const joined = new Promise<void>((resolve) => member.on(member.events.GROUP_JOIN, () => resolve()));
      await member.run({ eachMessage: () => Promise.resolve() });
      await joined;
      await assert.rejects(positionReplayGroup(kafka, admin, groupId, topic, new Map([[0, '0']])), /must have no running member/);
    } finally {
      await member.disconnect();
    }
  });
});
