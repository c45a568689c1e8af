import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RelayService } from '../../../app/service/relayService';
import { startPrivateKafkaCluster, type PrivateKafkaCluster } from '../../../dev/infra/privateKafkaCluster';
import { prefixedNameVariables } from '../../../src/config/prefixedNames';
import type { RelayConfig } from '../../../src/config/relayConfig';
import { createKafka } from '../../../src/kafka/kafkaClient';
import { resolveTopicReplication } from '../../../src/kafka/topicReplication';
import { createLogger, silentLogger } from '../../../src/logging/logger';
import { tearDown } from '../../support/teardown';
import { testConfig, uniqueName } from '../../support/testInfrastructure';

/** Starts the service with neither role (it provisions the topics, then idles) and returns its warnings. */
async function startUpWarnings(config: RelayConfig): Promise<{ msg: string; topic?: string }[]> {
  const lines: { level: string; msg: string; topic?: string }[] = [];
  const logger = createLogger({ level: 'warn', name: 'replication', write: (line) => lines.push(JSON.parse(line) as { level: string; msg: string }) });
  const service = await RelayService.start({ config, logger, roles: { consumer: false, worker: false }, httpPort: false });
  await service.stop();
  return lines.filter((line) => line.level === 'warn');
}

describe('the replication of the relay’s topics', () => {
  it('defaults to min(3, brokers) replicas, and min.insync.replicas 2 from three replicas on', () => {
    assert.deepEqual(resolveTopicReplication({}, 1), { factor: 1, minInsyncReplicas: 1 });
    assert.deepEqual(resolveTopicReplication({}, 2), { factor: 2, minInsyncReplicas: 1 });
    assert.deepEqual(resolveTopicReplication({}, 5), { factor: 3, minInsyncReplicas: 2 });
    assert.deepEqual(resolveTopicReplication({ factor: 2, minInsyncReplicas: 2 }, 5), { factor: 2, minInsyncReplicas: 2 });
    assert.throws(() => testConfig({ TOPIC_REPLICATION_FACTOR: '2', TOPIC_MIN_INSYNC_REPLICAS: '3' }), /TOPIC_MIN_INSYNC_REPLICAS=3 is above TOPIC_REPLICATION_FACTOR=2/);
    assert.throws(() => testConfig({ TOPIC_REPLICATION_FACTOR: '0' }), /TOPIC_REPLICATION_FACTOR/);
    // A min ISR set alone is checked against the factor the cluster gets: Kafka would accept the topic, then refuse every acks=all write.
    assert.throws(() => resolveTopicReplication({ minInsyncReplicas: 2 }, 1), /TOPIC_MIN_INSYNC_REPLICAS=2 is above the replication factor 1 \(the default on 1 broker\(s\)\)/);
  });
});

describe('the start-up warning about weakly replicated topics, on a 3-node cluster', () => {
  let servers: PrivateKafkaCluster | undefined;

  before(async () => {
    servers = await startPrivateKafkaCluster({ runId: uniqueName('replication-warning') });
  });

  after(() => tearDown(() => servers?.stop()));

  it('names a topic someone made with one replica, and says nothing of topics the relay made', async () => {
    const names = prefixedNameVariables(uniqueName('weak'));
    const config = testConfig({ ...names, KAFKA_BROKERS: servers!.cluster.address, TOPIC_PARTITIONS: '1' });
    const admin = createKafka(config.kafka, silentLogger, uniqueName('weak')).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: config.topics.progress, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    const warnings = await startUpWarnings(config);
    const weak = warnings.filter((line) => line.msg.includes('replication factor'));
    assert.deepEqual(weak.map((line) => line.topic), [config.topics.progress], JSON.stringify(warnings));
    // The cluster's default min.insync.replicas (2) applies to it too: acks=all writes to it are refused outright.
    assert.match(weak[0]?.msg ?? '', /min\.insync\.replicas=2 is above its replication factor 1: every acks=all write is refused.*replication factor ≥ 3, min\.insync\.replicas=2 and producers with acks=all/);

    const proper = testConfig({ ...prefixedNameVariables(uniqueName('proper')), KAFKA_BROKERS: servers!.cluster.address, TOPIC_PARTITIONS: '1' });
    assert.deepEqual(await startUpWarnings(proper), [], 'no warning for topics with three replicas and min ISR 2');
  });

  it('names a topic with three replicas and min.insync.replicas=1', async () => {
    const config = testConfig({ ...prefixedNameVariables(uniqueName('minisr')), KAFKA_BROKERS: servers!.cluster.address, TOPIC_PARTITIONS: '1', TOPIC_MIN_INSYNC_REPLICAS: '1' });
    const warnings = await startUpWarnings(config);
    assert.equal(warnings.length, Object.keys(config.topics).length, JSON.stringify(warnings));
    assert.ok(warnings.every((line) => /min\.insync\.replicas=1 with replication factor 3/.test(line.msg)), JSON.stringify(warnings));
  });
});

describe('the relay’s topics on a single broker', () => {
  let servers: PrivateKafkaCluster | undefined;

  before(async () => {
    servers = await startPrivateKafkaCluster({ runId: uniqueName('replication-single'), size: 1 });
  });

  after(() => tearDown(() => servers?.stop()));

  it('refuses to start with a replication factor above the brokers, saying so (not "cannot reach Kafka")', async () => {
    const config = testConfig({ ...prefixedNameVariables(uniqueName('too-many')), KAFKA_BROKERS: servers!.cluster.address, TOPIC_PARTITIONS: '1', TOPIC_REPLICATION_FACTOR: '3', TOPIC_MIN_INSYNC_REPLICAS: '2' });
    await assert.rejects(RelayService.start({ config, logger: silentLogger, roles: { consumer: false, worker: false }, httpPort: false }), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.match(error.message, /refused to create the relay's topics \(INVALID_REPLICATION_FACTOR; TOPIC_PARTITIONS=1, TOPIC_REPLICATION_FACTOR=3/);
      assert.doesNotMatch(error.message, /cannot reach Kafka/);
      return true;
    });
  });

  it('get one replica and min.insync.replicas 1, with no warning', async () => {
    const config = testConfig({ ...prefixedNameVariables(uniqueName('single')), KAFKA_BROKERS: servers!.cluster.address, TOPIC_PARTITIONS: '1' });
    assert.deepEqual(await startUpWarnings(config), []);
    const admin = createKafka(config.kafka, silentLogger, uniqueName('single')).admin();
    await admin.connect();
    try {
      const topics: string[] = [config.topics.requested, config.topics.completed, config.topics.failed, config.topics.deadLetter, config.topics.progress, config.topics.cancel];
      const metadata = await admin.fetchTopicMetadata({ topics });
      assert.ok(metadata.topics.every((topic) => topic.partitions.every((partition) => partition.replicas.length === 1)));
    } finally {
      await admin.disconnect();
    }
  });
});
