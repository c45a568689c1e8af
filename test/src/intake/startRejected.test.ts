import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { RelayService } from '../../../app/service/relayService';
import { ConfigurationError } from '../../../src/errors';
import { silentLogger } from '../../../src/logging/logger';
import { eventually } from '../../support/eventually';
import { PipelineHarness } from '../../support/pipelineHarness';
import { startStrictTemporal, type StrictTemporal } from '../../support/strictTemporal';
import { tearDown } from '../../support/teardown';

describe('a start that Temporal refuses for good', () => {
  let harness: PipelineHarness;
  let strict: StrictTemporal;
  let service: RelayService | undefined;

  before(async () => {
    // One partition: the rejected request and the one after it share it, so a stall would show.
    harness = await PipelineHarness.start({ roles: { consumer: false, worker: false }, env: { TOPIC_PARTITIONS: '1' } });
    // This server refuses workflow ids over 40 characters with INVALID_ARGUMENT.
    strict = await startStrictTemporal({ 'limit.maxIDLength': 40 });
  });
  // Also after a failed before(): each step stops what was started, and the harness is closed last whatever threw.
  after(() =>
    tearDown(
      () => service?.stop(),
      () => strict?.stop(),
      () => harness?.close(),
    ),
  );

  it('is dead-lettered as start-rejected with Temporal’s reason, and the partition moves on to the next request', async () => {
    const longId = `long-${'x'.repeat(40)}`;
    await harness.request(longId, 'Is a workflow id past the server limit refused?');
    await harness.request('short-1', 'Does the next request still start?');
    service = await RelayService.start({
      config: { ...harness.config, temporal: { ...harness.config.temporal, address: strict.address } },
      logger: silentLogger,
      roles: { consumer: true, worker: false },
      backoff: { initialMs: 50, maxMs: 200, factor: 2 },
    });
    const [letter] = await harness.recorder.waitFor(harness.config.topics.deadLetter, 1, (record) => record.key === longId);
    assert.equal(letter?.headers['dlq.reason'], 'start-rejected');
    assert.match(letter?.headers['dlq.detail'] ?? '', /exceeds maximum allowed length/);
    assert.equal(letter?.headers['dlq.source.offset'], '0');

    const connection = await Connection.connect({ address: strict.address });
    try {
      const client = new Client({ connection });
      const described = await eventually(() => client.workflow.getHandle(harness.workflowId('short-1')).describe().catch(() => undefined), 60_000, 'the next request’s run');
      assert.equal(described.type, 'ResearchWorkflow');
    } finally {
      await connection.close();
    }
    const admin = harness.kafka.admin();
    await admin.connect();
    try {
      await eventually(async () => {
        const [offsets] = await admin.fetchOffsets({ groupId: harness.config.consumerGroupId, topics: [harness.config.topics.requested] });
        return offsets?.partitions[0]?.offset === '2' || undefined;
      }, 60_000, 'the group to commit past both records');
    } finally {
      await admin.disconnect();
    }
  });

  it('a task queue name the server refuses stops the consumer at start-up, naming the variable, instead of dead-lettering every request', async () => {
    const before = await harness.topicEnd(harness.config.topics.deadLetter);
    await assert.rejects(
      RelayService.start({
        config: { ...harness.config, temporal: { ...harness.config.temporal, address: strict.address, taskQueue: 'q'.repeat(50) } },
        logger: silentLogger,
        roles: { consumer: true, worker: false },
      }).then(async (unexpected) => {
        // A service that did start is stopped again: it must not hold the file open.
        await unexpected.stop();
        return unexpected;
      }),
      (error: unknown) => error instanceof ConfigurationError && /TEMPORAL_TASK_QUEUE/.test(error.message) && /length exceeds limit/.test(error.message),
    );
    assert.equal(await harness.topicEnd(harness.config.topics.deadLetter), before, 'nothing was dead-lettered');
  });
});
