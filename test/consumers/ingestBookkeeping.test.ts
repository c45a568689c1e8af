import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KafkaMessage } from 'kafkajs';
import { BatchAcknowledgement } from '../../consumers/batchAcknowledgement';
import { decodeRequest } from '../../consumers/requestDecoder';
import { requestTraceFrom } from '../../consumers/requestTrace';
import { ConcurrencyLimit } from '../../src/concurrency/concurrencyLimit';
import { InvalidRequestError } from '../../src/errors';

const location = { topic: 'research.requested', partition: 2, offset: '41' };
const message = (key: string | null, value: string, headers: KafkaMessage['headers'] = {}): KafkaMessage =>
  ({ key: key === null ? null : Buffer.from(key), value: Buffer.from(value), headers, offset: '41', timestamp: '0', attributes: 0 });

describe('offset bookkeeping', () => {
  it('never lets the committable offset pass a record still in flight', () => {
    const acks = new BatchAcknowledgement(['10', '11', '12', '13']);
    assert.equal(acks.acknowledge('11'), undefined, '10 is still in flight');
    assert.equal(acks.acknowledge('13'), undefined);
    assert.equal(acks.acknowledge('10'), '11', 'now 10 and 11 are done');
    assert.equal(acks.complete, false);
    assert.equal(acks.acknowledge('12'), '13');
    assert.equal(acks.complete, true);
  });

  it('runs at most the limit of tasks at once, in arrival order', async () => {
    const limit = new ConcurrencyLimit(3);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limit.run(async () => {
          running += 1;
          peak = Math.max(peak, running);
          order.push(i);
          await new Promise((resolve) => setTimeout(resolve, 2));
          running -= 1;
        }),
      ),
    );
    assert.equal(peak, 3);
    assert.deepEqual(order, Array.from({ length: 20 }, (_, i) => i));
  });
});

describe('request decoding', () => {
  const reasonOf = (m: KafkaMessage, maxBytes = 1000): string => {
    try {
      decodeRequest(m, location, maxBytes);
      return 'valid';
    } catch (error) {
      assert.ok(error instanceof InvalidRequestError);
      assert.deepEqual(error.location, location);
      return error.reason;
    }
  };

  it('accepts a valid request whose key is its id', () => {
    assert.equal(reasonOf(message('r1', JSON.stringify({ requestId: 'r1', query: 'q' }), { ce_type: Buffer.from('research.requested.v1') })), 'valid');
  });

  it('names why a record is not a request', () => {
    assert.equal(reasonOf(message(null, '{}')), 'missing-key');
    assert.equal(reasonOf(message('r', 'x'.repeat(1001))), 'too-large');
    assert.equal(reasonOf(message('r', '{oops')), 'not-json');
    assert.equal(reasonOf(message('r', JSON.stringify({ requestId: 'r' }))), 'schema-violation');
    assert.equal(reasonOf(message('r', JSON.stringify({ requestId: 's', query: 'q' }))), 'key-mismatch');
    assert.equal(reasonOf(message('r', JSON.stringify({ requestId: 'r', query: 'q' }), { ce_type: 'order.created' })), 'unsupported-type');
  });

  it('continues the producer’s trace, or starts a new one when there is none or it is invalid', () => {
    const given = requestTraceFrom({ traceparent: Buffer.from('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), tracestate: 'k=v' });
    assert.equal(given.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(given.tracestate, 'k=v');
    const fresh = requestTraceFrom({});
    assert.match(fresh.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.notEqual(requestTraceFrom({}).traceId, fresh.traceId);
    assert.notEqual(requestTraceFrom({ traceparent: `00-${'0'.repeat(32)}-b7ad6b7169203331-01` }).traceId, '0'.repeat(32));
  });
});
