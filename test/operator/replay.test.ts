import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../support/cliRunner';
import { completedWithEpoch, produceBatch, replayBatch } from '../support/batchRequests';
import { PipelineHarness } from '../support/pipelineHarness';

const count = 200;

describe('replay for batch research (200 requests)', () => {
  let harness: PipelineHarness;

  before(async () => {
    harness = await PipelineHarness.start();
    const ids = await produceBatch(harness, count);
    await harness.recorder.waitFor(harness.config.topics.completed, count, (r) => ids.includes(r.key ?? ''), 180_000);
  });
  after(async () => {
    await (harness as PipelineHarness | undefined)?.close();
  });

  const replay = (options: Parameters<typeof replayBatch>[1]) => replayBatch(harness, options);

  it('skip-existing after every request ran starts no new run', async () => {
    const summary = await replay({ from: { kind: 'beginning' }, mode: 'skip-existing' });
    assert.equal(summary.total, count);
    assert.equal(summary.started, 0);
    assert.equal(summary.existing, count, 'every record once, across many small batches');
    assert.equal(await harness.stableRunCount(), count, 'Temporal still holds exactly the original runs');
  });

  it('--dry-run counts what would happen and starts, writes and commits nothing', async () => {
    const admin = harness.kafka.admin();
    await admin.connect();
    try {
      const liveBefore = await admin.fetchOffsets({ groupId: harness.config.consumerGroupId, topics: [harness.config.topics.requested] });
      const summary = await replay({ from: { kind: 'beginning' }, mode: 'rerun', epoch: 7, dryRun: true });
      assert.equal(summary.started, count, 'all would start in a new epoch');
      assert.equal(summary.existing, 0);
      assert.equal(await harness.stableRunCount(), count, 'nothing started');
      const groups = (await admin.listGroups()).groups.map((group) => group.groupId);
      assert.ok(!groups.some((group) => group.startsWith(`${harness.config.consumerGroupId}-dryrun`)), 'no replay group left behind');
      assert.deepEqual(await admin.fetchOffsets({ groupId: harness.config.consumerGroupId, topics: [harness.config.topics.requested] }), liveBefore, 'the live group did not move');
    } finally {
      await admin.disconnect();
    }
  });

  it('--where selects only the matching requests (CLI)', async () => {
    const result = await runCli(['replay', '--from', 'beginning', '--where', 'metadata.colour=blue', '--mode', 'rerun', '--epoch', '3', '--json'], harness.env);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as { started: number; filtered: number };
    assert.equal(summary.started, count / 4);
    assert.equal(summary.filtered, count - count / 4);
    await harness.recorder.waitFor(harness.config.topics.completed, count / 4, (r) => (JSON.parse(r.value.toString()) as { epoch?: number }).epoch === 3, 120_000);
    const replayed = completedWithEpoch(harness, 3);
    assert.ok(replayed.every((event) => event.metadata?.colour === 'blue'));
    const status = await runCli(['status', replayed[0]?.requestId ?? '', '--epoch', '3', '--json'], harness.env);
    assert.equal(status.code, 0, status.stderr);
    assert.equal((JSON.parse(status.stdout) as { priority: { priorityKey: number } }).priority.priorityKey, 4, 'a replayed run is batch work');
  });

});
