import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { IngestConsumer, type IngestOutcome } from '../../consumers/ingestConsumer';
import { loadRelayConfig } from '../../src/config/relayConfig';
import { silentLogger } from '../../src/logging/logger';

/** A kafkajs stand-in: records the handlers, lets the test drive eachBatch and group events. */
function fakeKafka() {
  const listeners = new Map<string, ((event: unknown) => void)[]>();
  const commits: { topic: string; partition: number; offset: string }[][] = [];
  const seeks: { topic: string; partition: number; offset: string }[] = [];
  let eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  let crashed = false;
  const events = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash', STOP: 'consumer.stop', DISCONNECT: 'consumer.disconnect', REBALANCING: 'consumer.rebalancing' };
  const consumer = {
    events,
    on: (name: string, listener: (event: unknown) => void) => void listeners.set(name, [...(listeners.get(name) ?? []), listener]),
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (options: { eachBatch: (payload: EachBatchPayload) => Promise<void> }) => void (eachBatch = options.eachBatch),
    commitOffsets: async (offsets: { topic: string; partition: number; offset: string }[]) => {
      if (crashed) throw new Error('Consumer group was not initialized, consumer#run must be called first');
      commits.push(offsets);
    },
    // kafkajs: consumerGroup is null after a crash (onCrash → disconnect → stop).
    seek: (entry: { topic: string; partition: number; offset: string }) => {
      if (crashed) throw new Error('Consumer group was not initialized, consumer#run must be called first');
      seeks.push(entry);
    },
    disconnect: async () => undefined,
  };
  const producer = { connect: async () => undefined, disconnect: async () => undefined, send: async () => [] };
  const kafka = { consumer: () => consumer, producer: () => producer, admin: () => ({ connect: async () => undefined, disconnect: async () => undefined }) } as unknown as Kafka;
  const emit = (name: string, payload: unknown): void => {
    for (const listener of listeners.get(name) ?? []) listener({ type: name, payload });
  };
  return {
    kafka,
    commits,
    seeks,
    emit,
    crash: () => {
      crashed = true;
      emit(events.CRASH, { error: new Error('connection lost'), restart: true });
    },
    batch: (topic: string, partition: number, messages: KafkaMessage[]) => {
      const resolved: string[] = [];
      const payload = {
        batch: { topic, partition, messages, highWatermark: '0', isEmpty: () => messages.length === 0, firstOffset: () => messages[0]?.offset, lastOffset: () => messages.at(-1)?.offset },
        resolveOffset: (offset: string) => void resolved.push(offset),
        heartbeat: async () => undefined,
        pause: () => () => undefined,
        commitOffsetsIfNecessary: async () => undefined,
        uncommittedOffsets: () => ({ topics: [] }),
        isRunning: () => true,
        isStale: () => false,
      } as unknown as EachBatchPayload;
      assert.ok(eachBatch, 'run() was called');
      return { done: eachBatch(payload), resolved };
    },
  };
}

/** A Temporal client whose starts succeed at once, except those of `hang`, which never return. */
function fakeTemporal(hang: Set<string>): Client {
  return {
    withAbortSignal: (_signal: AbortSignal, fn: () => Promise<unknown>) => fn(),
    workflow: {
      start: async (_type: unknown, options: { workflowId: string }) => {
        if (hang.has(options.workflowId)) await new Promise(() => undefined);
        return { workflowId: options.workflowId, firstExecutionRunId: 'run' };
      },
    },
  } as unknown as Client;
}

const record = (offset: number, id: string): KafkaMessage =>
  ({ key: Buffer.from(id), value: Buffer.from(JSON.stringify({ requestId: id, query: `question ${id}` })), headers: { ce_type: 'research.requested.v1' }, offset: String(offset), timestamp: String(Date.now()), attributes: 0 }) as KafkaMessage;

const config = loadRelayConfig({ INGEST_CONCURRENCY: '2', TOPIC_PARTITIONS: '1' });
const topic = config.topics.requested;
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('pipelined ingest review', () => {
  it('does not run unboundedly far ahead of a record whose start never ends (the window is 4 × INGEST_CONCURRENCY = 8)', async () => {
    const fake = fakeKafka();
    const outcomes: IngestOutcome[] = [];
    const consumer = new IngestConsumer({ kafka: fake.kafka, temporal: fakeTemporal(new Set([`${config.temporal.workflowIdPrefix}stuck`])), config, logger: silentLogger, onOutcome: (o) => outcomes.push(o) });
    await consumer.start();
    fake.emit('consumer.group_join', { memberAssignment: { [topic]: [0] } });
    let offset = 0;
    const first = fake.batch(topic, 0, [record(offset++, 'stuck')]);
    await first.done;
    // 20 more fetches of 50 records each: every one returns (none waits for room in the window).
    for (let fetch = 0; fetch < 20; fetch += 1) {
      const messages = Array.from({ length: 50 }, () => record(offset, `r-${offset++}`));
      const outcome = await Promise.race([fake.batch(topic, 0, messages).done.then(() => 'returned'), new Promise((resolve) => setTimeout(() => resolve('held'), 2000))]);
      if (outcome === 'held') break;
      await settle();
    }
    const progress = (consumer as unknown as { generation: { progress: Map<string, { pending: number }> } }).generation.progress.get(`${topic}:0`);
    const pending = progress?.pending ?? 0;
    await (consumer as unknown as { committer: { flush(): Promise<void> } }).committer.flush();
    void consumer.stop();
    assert.ok(pending <= 8 * 4, `records handed out past the stuck one and not committable: ${pending} (outcomes ${outcomes.length}, commits ${JSON.stringify(fake.commits)})`);
  });

  it('a record failing after kafkajs crashed (and is restarting) does not end the process with an unhandled rejection', async () => {
    const fake = fakeKafka();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const temporal = {
        withAbortSignal: (_signal: AbortSignal, fn: () => Promise<unknown>) => fn(),
        workflow: { start: async (_type: unknown, options: { workflowId: string }) => (await gate, { workflowId: options.workflowId, firstExecutionRunId: 'run' }) },
      } as unknown as Client;
      // A defect on the outcome path (here: the outcome callback) — what fail() is for.
      const consumer = new IngestConsumer({ kafka: fake.kafka, temporal, config, logger: silentLogger, onOutcome: () => { throw new TypeError('defect'); } });
      await consumer.start();
      fake.emit('consumer.group_join', { memberAssignment: { [topic]: [0] } });
      await fake.batch(topic, 0, [record(0, 'a')]).done;
      fake.crash(); // kafkajs: CRASH with restart; consumerGroup is null until it rejoins
      release();
      await settle();
      assert.deepEqual(unhandled.map(String), [], 'no unhandled rejection');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
