import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Producer } from 'kafkajs';
import { stopKafkajsIdleLoop } from '../../../src/kafka/kafkajsIdleLoop';
import { ensureTopics } from '../../../src/kafka/topicProvisioner';
import { eventually } from '../../support/eventually';
import { testKafka, uniqueName } from '../../support/testInfrastructure';

/** Counts the timers kafkajs's request queue sets while `during` runs. */
async function requestQueueTimers(during: () => Promise<unknown>): Promise<number> {
  const original = globalThis.setTimeout;
  let count = 0;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    if (new Error().stack?.includes('requestQueue')) count += 1;
    return original(...args);
  }) as typeof setTimeout;
  try {
    await during();
  } finally {
    globalThis.setTimeout = original;
  }
  return count;
}

describe("kafkajs's request queue (kafkajs 2.2.4 re-armed a 1 ms check on every connection, forever)", () => {
  const topic = uniqueName('idle-loop');
  let producer: Producer;

  before(async () => {
    const kafka = testKafka();
    const admin = kafka.admin();
    try {
      await admin.connect();
      await ensureTopics(admin, [topic], 1);
    } finally {
      // Also after a failed connect or ensureTopics: kafkajs may hold a half-open connection.
      await admin.disconnect();
    }
    producer = kafka.producer({ maxInFlightRequests: 1 });
    await producer.connect();
  });
  // Also after a failed before(): there is no producer to disconnect.
  after(async () => {
    await (producer as Producer | undefined)?.disconnect();
  });

  it('sets no timer on a connection at rest (300 ms after a send: kafkajs 2.2.4 set one per millisecond)', async () => {
    await producer.send({ topic, messages: [{ key: 'k', value: 'at rest' }] });
    assert.equal(await requestQueueTimers(() => sleep(300)), 0);
  });

  it('still sends the requests that wait behind the in-flight limit (each goes out as an earlier one completes, with no timer: the throttle test below is what needs the re-armed check)', async () => {
    const sends = Array.from({ length: 20 }, (_, i) => producer.send({ topic, messages: [{ key: 'k', value: `queued ${i}` }] }));
    const offsets = (await Promise.all(sends)).map(([metadata]) => Number(metadata?.baseOffset));
    assert.deepEqual([...offsets].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => offsets.length > 0 ? Math.min(...offsets) + i : i));
  });
});

/** kafkajs's internal request queue, as its connections use it. */
interface RequestQueue {
  maybeThrottle(ms: number): void;
  push(request: { entry: object; expectResponse: boolean; sendRequest: () => void }): void;
  destroy(): void;
}

describe("kafkajs's request queue while the broker throttles (no broker needed)", () => {
  it('sends a request held back by a throttle once the throttle ends, then sets no more timers', async () => {
    stopKafkajsIdleLoop();
    const Queue = createRequire(__filename)('kafkajs/src/network/requestQueue') as new (options: object) => RequestQueue;
    const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    const queue = new Queue({ maxInFlightRequests: null, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'test', broker: 'test:9092', logger: quiet });
    let sentAfterMs: number | undefined;
    const pushedAt = Date.now();
    queue.maybeThrottle(200);
    const entry = { correlationId: 1, apiKey: 0, apiName: 'Produce', apiVersion: 7, resolve: () => undefined, reject: () => undefined };
    queue.push({ entry, expectResponse: false, sendRequest: () => (sentAfterMs = Date.now() - pushedAt) });
    assert.equal(sentAfterMs, undefined, 'sent during the throttle');
    await eventually(() => sentAfterMs, 5_000, 'the request held back by the throttle to be sent');
    assert.ok((sentAfterMs ?? 0) >= 190, `sent ${sentAfterMs} ms after the push, before the throttle's 200 ms ended`);
    assert.equal(await requestQueueTimers(() => sleep(100)), 0);
    queue.destroy();
  });
});

