import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KafkaMessage } from 'kafkajs';
import { BatchAcknowledgement } from '../../src/kafka/batchAcknowledgement';
import { KeyOrder } from '../../src/kafka/keyOrder';
import { OffsetCommitter, type TopicPartitionOffset } from '../../src/kafka/offsetCommitter';
import { PartitionProgress } from '../../src/kafka/partitionProgress';
import { InFlightWindow } from '../../src/concurrency/inFlightWindow';
import { silentLogger } from '../../src/logging/logger';
import { eventually } from '../support/eventually';
import { decodeRecord } from '../../src/intake/requestDecoder';
import { boundTracestate, newTraceContext, traceContextFromHeaders } from '../../src/telemetry/traceContext';
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

  it('across batches, commits only past the oldest record still in flight, and knows where to fetch again from', () => {
    const progress = new PartitionProgress();
    for (const offset of ['7', '8', '10']) progress.handOut(offset);
    assert.equal(progress.acknowledge('8'), undefined, '7 is still in flight');
    assert.equal(progress.firstPending, '7');
    assert.equal(progress.acknowledge('7'), '9', '7 and 8 done: commit 9');
    progress.handOut('11');
    assert.equal(progress.acknowledge('11'), undefined, '10 (after a gap: a control record) is still in flight');
    assert.equal(progress.acknowledge('10'), '12');
    assert.equal(progress.pending, 0);
    assert.equal(progress.firstPending, undefined);
  });

  it('keeps at most its size in flight: a full window waits (heart-beating) until one leaves, or until aborted', async () => {
    const window = new InFlightWindow(2);
    const controller = new AbortController();
    assert.equal(await window.enter(controller.signal, () => Promise.resolve()), true);
    assert.equal(await window.enter(controller.signal, () => Promise.resolve()), true);
    let beats = 0;
    const third = window.enter(controller.signal, () => Promise.resolve(void (beats += 1)), 20);
    await eventually(() => beats >= 2 || undefined, 5000, 'two heart-beats while the third waits');
    assert.equal(window.inFlight, 2, 'the third waits');
    window.leave();
    assert.equal(await third, true);
    const fourth = window.enter(controller.signal, () => Promise.resolve());
    controller.abort();
    assert.equal(await fourth, false, 'an abort ends the wait without entering');
    assert.equal(window.inFlight, 2);
  });

  it('commits the latest mark of each partition in one request, and drops a commit the rebalance refuses', async () => {
    const sent: TopicPartitionOffset[][] = [];
    let refuse = false;
    const committer = new OffsetCommitter((offsets) => {
      sent.push(offsets);
      return refuse ? Promise.reject(Object.assign(new Error('rebalancing'), { type: 'REBALANCE_IN_PROGRESS' })) : Promise.resolve();
    }, silentLogger, 60_000);
    committer.mark('t', 0, '5');
    committer.mark('t', 0, '9');
    committer.mark('t', 1, '3');
    await committer.flush();
    assert.deepEqual(sent, [[{ topic: 't', partition: 0, offset: '9' }, { topic: 't', partition: 1, offset: '3' }]]);
    await committer.flush();
    assert.equal(sent.length, 1, 'nothing new: no request');
    refuse = true;
    committer.mark('t', 0, '12');
    await committer.flush();
    committer.forget();
    await committer.stop();
    assert.equal(sent.length, 2, 'the refused commit is not sent again, and a forgotten mark is not sent');
  });

  it('handles the records of one key one after another, in order, and other keys side by side', async () => {
    const order = new KeyOrder();
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`${name} start`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      log.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([
      order.run(Buffer.from('a'), task('request a', 30)),
      order.run(Buffer.from('b'), task('request b', 5)),
      order.run(Buffer.from('a'), task('cancel a', 1)),
      order.run(null, task('keyless', 1)),
    ]);
    assert.deepEqual(results, ['request a', 'request b', 'cancel a', 'keyless']);
    assert.ok(log.indexOf('cancel a start') > log.indexOf('request a end'), 'the cancel waits for its request');
    assert.ok(log.indexOf('request b start') < log.indexOf('request a end'), 'another key does not wait');
    assert.ok(log.indexOf('keyless start') < log.indexOf('request a end'), 'keyless records are not ordered');
    const failing = new KeyOrder();
    const first = failing.run('k', () => Promise.reject(new Error('start failed')));
    let ran = false;
    const second = failing.run('k', () => Promise.resolve((ran = true)));
    await assert.rejects(first, /start failed/);
    await assert.rejects(second, /start failed/, 'a record is not handled when an earlier one of its key failed');
    assert.equal(ran, false);
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
      const decoded = decodeRecord(m, location, { maxMessageBytes: maxBytes, maxHeaderCount: 100, maxHeaderBytes: 32_768 });
      return decoded.kind === 'request' ? 'valid' : 'cancel';
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
    const valid = JSON.stringify({ requestId: 'r', query: 'q' });
    assert.equal(reasonOf(message('r', valid, { ce_specversion: '0.3', ce_type: 'research.requested.v1' })), 'unsupported-specversion');
    assert.equal(reasonOf(message('r', valid, { ce_specversion: '1.0' })), 'unsupported-type', 'a CloudEvent must say its type');
    assert.equal(reasonOf(message('r', valid, { ce_specversion: '1.0', ce_type: 'research.requested.v1' })), 'valid', 'a proper CloudEvent is a request');
  });

  it('tells a cancel from a request by ce_type alone, and checks a cancel as strictly as a request', () => {
    const cancel = { ce_specversion: '1.0', ce_type: 'research.cancel.v1' };
    const decoded = decodeRecord(message('r', JSON.stringify({ requestId: 'r', reason: 'sent by mistake', ignored: true }), cancel), location, { maxMessageBytes: 1000, maxHeaderCount: 100, maxHeaderBytes: 32_768 });
    assert.deepEqual(decoded, { kind: 'cancel', cancel: { requestId: 'r', reason: 'sent by mistake' } });
    assert.equal(reasonOf(message('r', JSON.stringify({ requestId: 'r' }), { ce_type: 'research.cancel.v1' })), 'cancel', 'the reason is optional');
    assert.equal(reasonOf(message('r', JSON.stringify({ requestId: 'r', query: 'q' }))), 'valid', 'a record without ce_type stays a request');
    assert.equal(reasonOf(message('r', JSON.stringify({ requestId: 'r' }))), 'schema-violation', 'a cancel body without ce_type is a request missing its query');
    assert.equal(reasonOf(message('r', JSON.stringify({ requestId: 's' }), cancel)), 'key-mismatch');
    assert.equal(reasonOf(message(null, JSON.stringify({ requestId: 'r' }), cancel)), 'missing-key');
    assert.equal(reasonOf(message('r', JSON.stringify({ requestId: 'r', reason: 'x'.repeat(1001) }), cancel), 4000), 'schema-violation', 'a reason over 1,000 characters');
    assert.equal(reasonOf(message('r', JSON.stringify({ requestId: 'r', reason: 7 }), cancel)), 'schema-violation');
    assert.equal(reasonOf(message('r', 'cancel r', cancel)), 'not-json');
    assert.equal(reasonOf(message('r', JSON.stringify({ requestId: 'r' }), { ...cancel, ce_type: 'research.cancel' })), 'unsupported-type', 'only the versioned type');
  });

  it('reads the producer’s trace from the headers, and treats a missing or invalid one as none', () => {
    const given = traceContextFromHeaders({ traceparent: Buffer.from('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), tracestate: 'k=v' });
    assert.equal(given?.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(given?.tracestate, 'k=v');
    assert.equal(traceContextFromHeaders({}), undefined);
    assert.equal(traceContextFromHeaders({ traceparent: `00-${'0'.repeat(32)}-b7ad6b7169203331-01` }), undefined, 'an all-zero trace id is invalid');
    assert.equal(traceContextFromHeaders({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331' }), undefined, 'flags missing');
    const fresh = newTraceContext();
    assert.match(fresh.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.equal(fresh.traceparent.slice(3, 35), fresh.traceId);
    assert.notEqual(newTraceContext().traceId, fresh.traceId);
  });

  it('keeps a tracestate within the W3C limits: long members go first, then members from the end', () => {
    const members = Array.from({ length: 40 }, (_, i) => `v${i}=${'x'.repeat(10)}`);
    const bounded = boundTracestate([`big=${'y'.repeat(200)}`, ...members].join(','));
    assert.ok(bounded);
    const kept = bounded.split(',');
    assert.equal(kept.length, 32, 'at most 32 members');
    assert.equal(kept[0], 'v0=xxxxxxxxxx', 'the over-long member went first');
    assert.ok(bounded.length <= 512);
    const wide = boundTracestate(Array.from({ length: 20 }, (_, i) => `k${i}=${'z'.repeat(100)}`).join(','));
    assert.ok(wide && wide.length <= 512 && wide.startsWith('k0='), 'members are dropped from the end until 512 characters remain');
    assert.equal(boundTracestate('k=v, bad member ,m=w'), 'k=v,m=w', 'malformed members are dropped');
  });
});
