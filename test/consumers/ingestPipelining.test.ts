import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import type { Admin } from 'kafkajs';
import { IngestConsumer, type IngestOutcome } from '../../consumers/ingestConsumer';
import { silentLogger } from '../../src/logging/logger';
import { PipelineHarness } from '../support/pipelineHarness';
import { tearDown } from '../support/teardown';
import { eventually, testTemporalClient } from '../support/testInfrastructure';

/** A Temporal client whose start of one workflow id waits until released (a slow start, as under load). */
function holdStartOf(client: Client, workflowId: string): { readonly reached: () => boolean; release(): void } {
  let reached = false;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const start = client.workflow.start.bind(client.workflow);
  client.workflow.start = (async (...args: Parameters<typeof start>) => {
    if (args[1].workflowId === workflowId) {
      reached = true;
      await gate;
    }
    return start(...args);
  }) as typeof start;
  return { reached: () => reached, release };
}

describe('the ingest consumer fetching on while starts are in flight', () => {
  let harness: PipelineHarness;
  let admin: Admin;
  let temporal: { client: Client; connection: Connection };
  before(async () => {
    harness = await PipelineHarness.start({ roles: { consumer: false, worker: false }, env: { TOPIC_PARTITIONS: '1' } });
    admin = harness.kafka.admin();
    await admin.connect();
    temporal = await testTemporalClient(harness.config);
  });
  // Also after a failed before(): each step skips what set-up never made, and the harness is closed last whatever threw.
  after(() =>
    tearDown(
      () => (admin as Admin | undefined)?.disconnect(),
      () => (temporal as typeof temporal | undefined)?.connection.close(),
      () => (harness as PipelineHarness | undefined)?.close(),
    ),
  );

  const committed = async (): Promise<number> => {
    const [topic] = await admin.fetchOffsets({ groupId: harness.config.consumerGroupId, topics: [harness.config.topics.requested] });
    return Number(topic?.partitions[0]?.offset ?? -1);
  };

  it('starts the records of a later fetch while an earlier record’s start hangs, and commits past that record only once it is started', async () => {
    const held = holdStartOf(temporal.client, `${harness.config.temporal.workflowIdPrefix}slow-1`);
    const outcomes: IngestOutcome[] = [];
    const consumer = new IngestConsumer({ kafka: harness.kafka, temporal: temporal.client, config: harness.config, logger: silentLogger, onOutcome: (outcome) => outcomes.push(outcome) });
    const startedIds = (): string[] => outcomes.flatMap((outcome) => (outcome.kind === 'started' ? [outcome.requestId] : []));
    await consumer.start();
    try {
      await harness.request('fast-0', 'First question');
      await harness.request('slow-1', 'A question whose start hangs');
      await eventually(() => held.reached() || undefined, 30_000, 'the start of slow-1 reached');
      // A later fetch: with one batch at a time these waited for slow-1's start.
      await harness.request('fast-2', 'Third question');
      await harness.request('fast-3', 'Fourth question');
      await eventually(() => (startedIds().includes('fast-2') && startedIds().includes('fast-3')) || undefined, 20_000, 'fast-2 and fast-3 started while slow-1 hangs');
      assert.ok(!startedIds().includes('slow-1'));
      // fast-0 is durable, so offset 1 is committed; slow-1 (offset 1) holds back the records after it.
      await eventually(async () => ((await committed()) === 1) || undefined, 10_000, 'fast-0 committed');
      held.release();
      await eventually(() => startedIds().includes('slow-1') || undefined, 20_000, 'slow-1 started once released');
      await eventually(async () => ((await committed()) === 4) || undefined, 10_000, 'all four committed');
      assert.deepEqual([...startedIds()].sort(), ['fast-0', 'fast-2', 'fast-3', 'slow-1'], 'each record started once');
    } finally {
      held.release();
      await consumer.stop();
    }
  });
  it('runs no further ahead of a record whose start hangs than its window (4 × INGEST_CONCURRENCY): the records past it wait for it', async () => {
    const held = holdStartOf(temporal.client, `${harness.config.temporal.workflowIdPrefix}stuck-0`);
    const outcomes: IngestOutcome[] = [];
    // A window of 8: the stuck record and the 7 after it.
    const consumer = new IngestConsumer({ kafka: harness.kafka, temporal: temporal.client, config: { ...harness.config, ingestConcurrency: 2 }, logger: silentLogger, onOutcome: (outcome) => outcomes.push(outcome) });
    const order = (): string[] => outcomes.flatMap((outcome) => ('requestId' in outcome ? [outcome.requestId] : []));
    await consumer.start();
    try {
      const ids = ['stuck-0', ...Array.from({ length: 20 }, (_, i) => `after-${i + 1}`)];
      await harness.producer.send({ topic: harness.config.topics.requested, acks: -1, messages: ids.map((id) => ({ key: id, value: JSON.stringify({ requestId: id, query: `Question ${id}` }) })) });
      await eventually(() => (order().length >= 7 && held.reached()) || undefined, 30_000, 'the 7 records after the stuck one started');
      held.release();
      await eventually(() => (order().length >= ids.length) || undefined, 30_000, 'every record started once released');
      const stuckAt = order().indexOf('stuck-0');
      const early = order().slice(0, stuckAt);
      assert.deepEqual(early.sort(), Array.from({ length: 7 }, (_, i) => `after-${i + 1}`).sort(), `only the window's 7 records ran ahead: ${order().join(', ')}`);
    } finally {
      held.release();
      await consumer.stop();
    }
  });
});
