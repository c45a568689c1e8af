import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { prefixedNameVariables } from '../../../src/config/prefixedNames';
import { createKafka } from '../../../src/kafka/kafkaClient';
import { ensureTopics, provisionRelayTopics } from '../../../src/kafka/topicProvisioner';
import { silentLogger } from '../../../src/logging/logger';
import { eventually, testConfig, uniqueName } from '../../support/testInfrastructure';

/** An admin whose broker lists a created topic only from its `listedFrom`-th listing on (a broker that just started). */
function slowMetadataAdmin(listedFrom: number, createError: Error): Admin & { listings: number } {
  const fake = {
    listings: 0,
    listTopics: () => {
      fake.listings += 1;
      return Promise.resolve(fake.listings >= listedFrom ? ['t.requested'] : []);
    },
    createTopics: () => Promise.reject(createError),
  };
  return fake as unknown as Admin & { listings: number };
}

describe('creating the relay’s topics', () => {
  it('counts a topic as created once the broker lists it, though waiting for its leader failed on UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const unknown = Object.assign(new Error('This server does not host this topic-partition'), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
    const admin = slowMetadataAdmin(4, unknown);
    assert.deepEqual(await ensureTopics(admin, ['t.requested'], 3), ['t.requested']);
    assert.ok(admin.listings >= 4, 'it looked again until the broker listed the topic');
  });

  it('still fails when the topic never appears', async () => {
    const refused = new Error('topic authorization failed');
    await assert.rejects(ensureTopics(slowMetadataAdmin(Number.POSITIVE_INFINITY, refused), ['t.requested'], 3, 300), /topic authorization failed/);
  });
});

describe('the relay’s intake topics on the real broker', () => {
  it('are created broker-stamped (LogAppendTime), the others keep the default; an intake topic that keeps producer time is named', async () => {
    const config = testConfig({ ...prefixedNameVariables(uniqueName('stamps')), TOPIC_PARTITIONS: '1' });
    const kafka = createKafka(config.kafka, silentLogger, uniqueName('stamps'));
    const admin = kafka.admin();
    await admin.connect();
    try {
      const provisioned = await provisionRelayTopics(kafka, config);
      assert.deepEqual(provisioned.stampedByProducers, []);
      const names = [config.topics.requested, config.topics.cancel, config.topics.completed];
      const described = await admin.describeConfigs({ includeSynonyms: false, resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['message.timestamp.type'] })) });
      const types = Object.fromEntries(described.resources.map((resource) => [resource.resourceName, resource.configEntries[0]?.configValue]));
      assert.deepEqual(types, { [config.topics.requested]: 'LogAppendTime', [config.topics.cancel]: 'LogAppendTime', [config.topics.completed]: 'CreateTime' });
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: config.topics.cancel, configEntries: [{ name: 'message.timestamp.type', value: 'CreateTime' }] }] });
      const again = await eventually(async () => {
        const { stampedByProducers } = await provisionRelayTopics(kafka, config);
        return stampedByProducers?.length ? stampedByProducers : undefined;
      }, 30_000, 'the altered topic to be reported');
      assert.deepEqual(again, [config.topics.cancel]);
    } finally {
      await admin.disconnect();
    }
  });
});
