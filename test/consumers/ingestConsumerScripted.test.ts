import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { IngestConsumer } from '../../consumers/ingestConsumer';
import { loadRelayConfig } from '../../src/config/relayConfig';
import { silentLogger } from '../../src/logging/logger';

const done = (): Promise<void> => Promise.resolve();

/**
 * A scripted kafkajs consumer: the test drives eachBatch and the group's events. After a crash
 * it refuses seeks and commits as kafkajs does (its consumer group is gone until it rejoins).
 */
function scriptedKafka() {
  const listeners = new Map<string, ((event: unknown) => void)[]>();
  let eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  let crashed = false;
  const refuseAfterCrash = (): void => {
    if (crashed) throw new Error('Consumer group was not initialized, consumer#run must be called first');
  };
  const events = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash', STOP: 'consumer.stop', DISCONNECT: 'consumer.disconnect', REBALANCING: 'consumer.rebalancing' };
  const consumer = {
    events,
    on: (name: string, listener: (event: unknown) => void) => void listeners.set(name, [...(listeners.get(name) ?? []), listener]),
    connect: done,
    subscribe: done,
    run: (options: { eachBatch: (payload: EachBatchPayload) => Promise<void> }) => done().then(() => void (eachBatch = options.eachBatch)),
    commitOffsets: () => done().then(refuseAfterCrash),
    seek: refuseAfterCrash,
    pause: () => undefined,
    disconnect: done,
  };
  const producer = { connect: done, disconnect: done, send: () => Promise.resolve([]) };
  const kafka = { consumer: () => consumer, producer: () => producer, admin: () => ({ connect: done, disconnect: done }) } as unknown as Kafka;
  const emit = (name: string, payload: unknown): void => {
    for (const listener of listeners.get(name) ?? []) listener({ type: name, payload });
  };
  return {
    kafka,
    emit,
    crash: (): void => {
      crashed = true;
      emit(events.CRASH, { error: new Error('connection lost'), restart: true });
    },
    batch: (topic: string, partition: number, messages: KafkaMessage[]): Promise<void> => {
      assert.ok(eachBatch, 'run() was called');
      const payload = {
        batch: { topic, partition, messages, lastOffset: () => messages.at(-1)?.offset },
        resolveOffset: () => undefined,
        heartbeat: done,
        isRunning: () => true,
        isStale: () => false,
      } as unknown as EachBatchPayload;
      return eachBatch(payload);
    },
  };
}

const config = loadRelayConfig({ INGEST_CONCURRENCY: '2', TOPIC_PARTITIONS: '1' });
const record = (offset: number, id: string): KafkaMessage =>
  ({ key: Buffer.from(id), value: Buffer.from(JSON.stringify({ requestId: id, query: `question ${id}` })), headers: { ce_type: 'research.requested.v1' }, offset: String(offset), timestamp: String(Date.now()), attributes: 0 });

describe('the pipelined consumer, driven by a scripted kafkajs (a crash mid-flight cannot be timed on a real broker)', () => {
  it('work in flight when kafkajs crashes (and restarts) stops: a start that returns after the crash is not taken as done (the crash aborts it before any seek back)', async () => {
    const kafka = scriptedKafka();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const temporal = {
        withAbortSignal: (_signal: AbortSignal, fn: () => Promise<unknown>) => fn(),
        workflow: { start: (_type: unknown, options: { workflowId: string }) => gate.then(() => ({ workflowId: options.workflowId, firstExecutionRunId: 'run' })) },
      } as unknown as Client;
      const outcomes: string[] = [];
      // A defect on the outcome path (the outcome callback throws): what the consumer's failure handling is for.
      const consumer = new IngestConsumer({
        kafka: kafka.kafka,
        temporal,
        config,
        logger: silentLogger,
        onOutcome: (outcome) => {
          outcomes.push(outcome.kind);
          throw new TypeError('defect');
        },
      });
      await consumer.start();
      kafka.emit('consumer.group_join', { memberAssignment: { [config.topics.requested]: [0] } });
      await kafka.batch(config.topics.requested, 0, [record(0, 'a')]);
      kafka.crash();
      release();
      // The start answers and its record's handling runs to its end in promise callbacks alone
      // (no timer in this script): a few turns of the event loop see it through.
      for (let turn = 0; turn < 5; turn += 1) await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled.map(String), [], 'no unhandled rejection');
      await consumer.stop();
      assert.deepEqual(outcomes, [], 'the start that returned after the crash is not taken as done: the partition is no longer this member’s');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
