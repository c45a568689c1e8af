import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newKafkaClusterId } from '../../../dev/infra/localKafka';

describe('the cluster id a new local Kafka is formatted with', () => {
  it('is 16 random bytes in URL-safe base64 that never starts with "-" (the storage tool would take it for an option)', () => {
    // 0xF8 encodes as "-" first in base64url: the first draw is refused, the second kept.
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x41)];
    const id = newKafkaClusterId(() => draws.shift() ?? Buffer.alloc(16));
    assert.equal(id, Buffer.alloc(16, 0x41).toString('base64url'));
    assert.equal(draws.length, 0, 'a second draw was made');
    for (let i = 0; i < 500; i += 1) assert.match(newKafkaClusterId(), /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });
});
