import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { replayRequests } from '../../operator/replay/requestReplay';
import { researchCompletedSchema, type ResearchCompleted } from '../../src/contracts/researchCompleted';
import { silentLogger } from '../../src/logging/logger';
import { runCli, startCli } from '../support/cliRunner';
import { PipelineHarness } from '../support/pipelineHarness';

const count = 200;
const ids = Array.from({ length: count }, (_, i) => `batch-${i}`);

describe('replay for batch research (200 requests)', () => {
  let harness: PipelineHarness;

  before(async () => {
    harness = await PipelineHarness.start();
    await harness.producer.send({
      topic: harness.config.topics.requested,
      acks: -1,
      messages: ids.map((id, i) => ({
        key: id,
        value: JSON.stringify({ requestId: id, query: `Batch question ${i} on event sourcing`, maxSearches: 1, metadata: { colour: i % 4 === 0 ? 'blue' : 'green' } }),
      })),
    });
    await harness.recorder.waitFor(harness.config.topics.completed, count, (r) => ids.includes(r.key ?? ''), 180_000);
  });
  after(async () => {
    await harness.close();
  });

  const completedWithEpoch = (epoch: number): ResearchCompleted[] =>
    harness.recorder
      .on(harness.config.topics.completed)
      .map((record) => researchCompletedSchema.parse(JSON.parse(record.value.toString())))
      .filter((event) => event.epoch === epoch);
  const temporal = () => harness.client;
  // Small fetches: a partition's range spans many batches, as it does on a real topic.
  const replay = (options: Partial<Parameters<typeof replayRequests>[0]>) =>
    replayRequests({ kafka: harness.kafka, temporal: temporal(), config: harness.config, logger: silentLogger, maxBytesPerPartition: 2048, ...options });

  it('skip-existing after every request ran starts no new run', async () => {
    const before = harness.recorder.on(harness.config.topics.completed).length;
    const summary = await replay({ from: { kind: 'beginning' }, mode: 'skip-existing' });
    assert.equal(summary.total, count);
    assert.equal(summary.started, 0);
    assert.equal(summary.existing, count, 'every record once, across many small batches');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal(harness.recorder.on(harness.config.topics.completed).length, before, 'no new results');
  });

  it('--dry-run counts what would happen and starts, writes and commits nothing', async () => {
    const admin = harness.kafka.admin();
    await admin.connect();
    try {
      const liveBefore = await admin.fetchOffsets({ groupId: harness.config.consumerGroupId, topics: [harness.config.topics.requested] });
      const summary = await replay({ from: { kind: 'beginning' }, mode: 'rerun', epoch: 7, dryRun: true });
      assert.equal(summary.started, count, 'all would start in a new epoch');
      assert.equal(summary.existing, 0);
      assert.deepEqual(await harness.runsOf(harness.workflowId('batch-0-r7')), [], 'nothing started');
      const groups = (await admin.listGroups()).groups.map((group) => group.groupId);
      assert.ok(!groups.some((group) => group.startsWith(`${harness.config.consumerGroupId}-dryrun`)), 'no replay group left behind');
      assert.deepEqual(await admin.fetchOffsets({ groupId: harness.config.consumerGroupId, topics: [harness.config.topics.requested] }), liveBefore, 'the live group did not move');
    } finally {
      await admin.disconnect();
    }
  });

  it('rerun starts 200 fresh runs whose result events carry the epoch', async () => {
    const summary = await replay({ from: { kind: 'beginning' }, mode: 'rerun', epoch: 5 });
    assert.equal(summary.started, count);
    assert.equal(summary.epoch, 5);
    await harness.recorder.waitFor(harness.config.topics.completed, count, (r) => (JSON.parse(r.value.toString()) as { epoch?: number }).epoch === 5, 180_000);
    const events = completedWithEpoch(5);
    assert.equal(new Set(events.map((event) => event.requestId)).size, count);
    assert.ok(events.every((event) => event.workflowId === harness.workflowId(`${event.requestId}-r5`)));
  });

  it('--where selects only the matching requests (CLI)', async () => {
    const result = await runCli(['replay', '--from', 'beginning', '--where', 'metadata.colour=blue', '--mode', 'rerun', '--epoch', '3', '--json'], harness.env);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as { started: number; filtered: number };
    assert.equal(summary.started, count / 4);
    assert.equal(summary.filtered, count - count / 4);
    await harness.recorder.waitFor(harness.config.topics.completed, count / 4, (r) => (JSON.parse(r.value.toString()) as { epoch?: number }).epoch === 3, 120_000);
    assert.ok(completedWithEpoch(3).every((event) => event.metadata?.colour === 'blue'));
  });

  it('a replay killed halfway and resumed runs every request exactly once (CLI)', async () => {
    const args = ['replay', '--from', 'beginning', '--mode', 'rerun', '--epoch', '9', '--replay-id', 'resume-test', '--rate', '40/s', '--concurrency', '4', '--json'];
    const first = startCli(args, harness.env);
    let progress = '';
    first.stderr.on('data', (chunk: Buffer) => (progress += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the replay made no progress: ${progress}`)), 60_000);
      const check = (): void => {
        const done = [...progress.matchAll(/ (\d+)\/200 /g)].map((match) => Number(match[1]));
        if ((done.at(-1) ?? 0) >= 40) {
          clearTimeout(timer);
          resolve();
        } else setTimeout(check, 100);
      };
      check();
    });
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('close', resolve));

    const second = await runCli(['replay', '--replay-id', 'resume-test', '--json'], harness.env, 180_000);
    assert.equal(second.code, 0, second.stderr);
    const summary = JSON.parse(second.stdout) as { resumed: boolean; total: number; epoch: number; started: number; existing: number };
    assert.equal(summary.resumed, true);
    assert.equal(summary.epoch, 9, 'the epoch comes from the stored plan');
    assert.ok(summary.total < count, `it went on from where it stopped (${summary.total} left)`);
    await harness.recorder.waitFor(harness.config.topics.completed, count, (r) => (JSON.parse(r.value.toString()) as { epoch?: number }).epoch === 9, 180_000);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const events = completedWithEpoch(9);
    assert.equal(events.length, count, 'one result per request, no duplicates');
    assert.equal(new Set(events.map((event) => event.requestId)).size, count);
  });
});
