import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Admin } from 'kafkajs';
import { ensureTopics } from '../../../src/kafka/topicProvisioner';

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
