import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RelayService } from '../../app/service/relayService';
import type { IngestOutcome } from '../../consumers/ingestConsumer';
import { createLogger, silentLogger } from '../../src/logging/logger';
import { PipelineHarness } from '../support/pipelineHarness';
import { sharedWorkflowBundle } from '../support/sharedWorkflowBundle';
import { TcpProxy } from '../support/tcpProxy';
import { eventually } from '../support/testInfrastructure';

describe('a consumer retrying while its group rebalances', () => {
  let harness: PipelineHarness;
  before(async () => {
    // The test hosts the worker; the two consumers of one group run below.
    harness = await PipelineHarness.start({ roles: { consumer: false, worker: true }, env: { TOPIC_PARTITIONS: '2' } });
  });
  after(async () => {
    await (harness as PipelineHarness | undefined)?.close();
  });

  it('stops retrying the records of a partition it lost and rejoins: no record is taken by two members', async () => {
    const [host, port] = harness.config.temporal.address.split(':') as [string, string];
    const proxy = await TcpProxy.start({ host, port: Number(port) });
    const logs: { msg: string }[] = [];
    // Which member acknowledged which record: a record is one member's, never both.
    const handled: string[] = [];
    const onOutcome = (member: string) => (outcome: IngestOutcome) => handled.push(`${outcome.location.partition}:${outcome.location.offset} by ${member}`);
    // Member A cannot reach Temporal: it reads both partitions and keeps retrying their records.
    const stuck = await RelayService.start({
      config: { ...harness.config, temporal: { ...harness.config.temporal, address: proxy.address } },
      logger: createLogger({ level: 'warn', name: 'stuck', write: (line) => logs.push(JSON.parse(line) as { msg: string }) }),
      roles: { consumer: true, worker: false },
      backoff: { initialMs: 100, maxMs: 1000, factor: 2 },
      onOutcome: onOutcome('A'),
    });
    let healthy: RelayService | undefined;
    const ids = ['rebalance-0', 'rebalance-1', 'rebalance-2', 'rebalance-3'];
    try {
      await proxy.cut();
      await harness.producer.send({
        topic: harness.config.topics.requested,
        acks: -1,
        messages: ids.map((id, i) => ({ key: id, partition: i % 2, value: JSON.stringify({ requestId: id, query: `Rebalance question ${id}`, maxSearches: 1 }), headers: { ce_type: 'research.requested.v1' } })),
      });
      await eventually(() => logs.some((line) => line.msg === 'workflow start failed; retrying') || undefined, 90_000, 'member A retrying a start');

      // Member B joins: the group rebalances. A must leave its retry loops at once and rejoin;
      // B's share completes while A is still cut off from Temporal.
      healthy = await RelayService.start({ config: harness.config, logger: silentLogger, roles: { consumer: true, worker: false }, workflowBundle: await sharedWorkflowBundle(), onOutcome: onOutcome('B') });
      await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => ids.includes(r.key ?? ''), 40_000);

      // Temporal is back for A. A retry loop still working on B's records would now take them
      // again; A must only finish the records of the partition it owns after rejoining.
      await proxy.restore();
      await harness.recorder.waitFor(harness.config.topics.completed, ids.length, (r) => ids.includes(r.key ?? ''), 90_000);
      await eventually(() => (handled.length >= ids.length && handled.some((entry) => entry.endsWith('by A'))) || undefined, 60_000, 'A acknowledging records again');
      const records = handled.map((entry) => entry.split(' by ')[0]);
      assert.equal(new Set(records).size, records.length, `each record handled by one member only: ${handled.join(', ')}`);
      assert.ok(logs.some((line) => line.msg.startsWith('the group is rebalancing: stopped work on the partition')), 'A said it stopped work on its partition');
      for (const id of ids) assert.equal((await harness.runsOf(harness.workflowId(id))).length, 1, `one run for ${id}`);
    } finally {
      await Promise.all([stuck.stop(), healthy?.stop()]);
      await proxy.cut();
    }
  });
});
