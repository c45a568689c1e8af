import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Admin } from 'kafkajs';
import { createLogger, silentLogger } from '../../src/logging/logger';
import { RelayService } from '../../app/service/relayService';
import { PipelineHarness } from '../support/pipelineHarness';
import { sharedWorkflowBundle } from '../support/sharedWorkflowBundle';
import { TcpProxy } from '../support/tcpProxy';
import { tearDown } from '../support/teardown';
import { eventually } from '../support/testInfrastructure';

const ingestOnly = path.resolve(__dirname, '../support/ingestOnlyProcess.ts');

async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<number> {
  const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
  return offsets[0]?.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0) ?? 0;
}

describe('the ingest consumer under failure', () => {
  let harness: PipelineHarness;
  let admin: Admin;
  before(async () => {
    // The test hosts the worker; each scenario runs its own consumer.
    harness = await PipelineHarness.start({ roles: { consumer: false, worker: true }, env: { TOPIC_PARTITIONS: '1' } });
    admin = harness.kafka.admin();
    await admin.connect();
  });
  // Also after a failed before(): the harness is closed whatever the admin's disconnect threw.
  after(() =>
    tearDown(
      () => (admin as Admin | undefined)?.disconnect(),
      () => (harness as PipelineHarness | undefined)?.close(),
    ),
  );

  it('killed (SIGKILL) after starting workflows but before committing, then restarted, yields one workflow and one result per request', async () => {
    const ids = ['crash-a', 'crash-b', 'crash-c', 'crash-d'];
    await harness.producer.send({
      topic: harness.config.topics.requested,
      acks: -1,
      messages: ids.map((id) => ({ key: id, value: JSON.stringify({ requestId: id, query: `Crash recovery question ${id}`, maxSearches: 1 }) })),
    });
    // node itself (not the tsx wrapper), so the SIGKILL is seen as the child's own death. No
    // commit comes before the kill: the restart must find all four records again.
    const child = spawn(process.execPath, ['--import', 'tsx', ingestOnly], { env: { ...process.env, ...harness.env, KILL_AFTER_STARTS: String(ids.length), INGEST_COMMIT_INTERVAL_MS: '60000' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    assert.equal(signal, 'SIGKILL', `the consumer died by SIGKILL; output:\n${output}`);
    assert.equal(output.match(/^started /gm)?.length, ids.length, 'all four starts were acknowledged before the kill');
    assert.equal(await committedOffsets(admin, harness.config.consumerGroupId, harness.config.topics.requested), 0, 'nothing was committed');

    const restarted = await RelayService.start({
      config: harness.config,
      logger: silentLogger,
      roles: { consumer: true, worker: false },
      workflowBundle: await sharedWorkflowBundle(),
    });
    try {
      await harness.recorder.waitFor(harness.config.topics.completed, ids.length, (r) => ids.includes(r.key ?? ''));
      await eventually(async () => ((await committedOffsets(admin, harness.config.consumerGroupId, harness.config.topics.requested)) === ids.length) || undefined, 30_000, 'offsets committed');
    } finally {
      await restarted.stop();
    }
    for (const id of ids) {
      assert.equal(harness.recorder.on(harness.config.topics.completed).filter((r) => r.key === id).length, 1, `one result for ${id}`);
      assert.equal((await harness.runsOf(harness.workflowId(id))).length, 1, `one run for ${id}`);
    }
  });

  it('backs off while Temporal is unreachable, commits nothing, skips nothing, and resumes by itself', async () => {
    const [host, port] = harness.config.temporal.address.split(':') as [string, string];
    const proxy = await TcpProxy.start({ host, port: Number(port) });
    const retries: string[] = [];
    const recordRetries = (line: string): void => {
      if ((JSON.parse(line) as { msg: string }).msg === 'workflow start failed; retrying') retries.push(line);
    };
    const consumer = await RelayService.start({
      config: { ...harness.config, temporal: { ...harness.config.temporal, address: proxy.address } },
      logger: createLogger({ level: 'warn', name: 'outage', write: recordRetries }),
      roles: { consumer: true, worker: false },
      backoff: { initialMs: 100, maxMs: 1000, factor: 2 },
    });
    try {
      const before = await committedOffsets(admin, harness.config.consumerGroupId, harness.config.topics.requested);
      await proxy.cut();
      const ids = ['outage-a', 'outage-b'];
      for (const id of ids) await harness.request(id, `Outage question ${id}`, { maxSearches: 1 });
      // Settled on what the consumer did, not on time: it read a record, its start failed, and it
      // is backing off (the first attempt ends at gRPC's connection deadline, ~20 s).
      await eventually(() => retries.length > 0 || undefined, 90_000, 'a failed start attempt');
      assert.ok(retries.every((line) => ids.includes((JSON.parse(line) as { requestId?: string }).requestId ?? '')), `each retry names its request: ${retries.join('\n')}`);
      assert.equal(await committedOffsets(admin, harness.config.consumerGroupId, harness.config.topics.requested), before, 'no commit while Temporal is away');
      for (const id of ids) assert.deepEqual(await harness.runsOf(harness.workflowId(id)), [], `no run for ${id} yet`);

      await proxy.restore();
      await harness.recorder.waitFor(harness.config.topics.completed, ids.length, (r) => ids.includes(r.key ?? ''), 90_000);
      await eventually(async () => ((await committedOffsets(admin, harness.config.consumerGroupId, harness.config.topics.requested)) === before + ids.length) || undefined, 30_000, 'offsets committed after recovery');
    } finally {
      await consumer.stop();
      await proxy.cut();
    }
  });
});
