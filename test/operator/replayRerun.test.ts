import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCli, runCli } from '../support/cliRunner';
import { completedWithEpoch, produceBatch, replayBatch } from '../support/batchRequests';
import { PipelineHarness } from '../support/pipelineHarness';

// 100 requests in 2 KiB fetches still span many batches per partition.
const count = 100;

describe('rerun replays of 100 requests', () => {
  let harness: PipelineHarness;

  before(async () => {
    // No live consumer: the records wait on the topic, and every run here is a replay's.
    harness = await PipelineHarness.start({ roles: { consumer: false, worker: true } });
    await produceBatch(harness, count);
  });
  after(async () => {
    await (harness as PipelineHarness | undefined)?.close();
  });

  it('rerun starts a fresh run per request whose result events carry the epoch', async () => {
    const summary = await replayBatch(harness, { from: { kind: 'beginning' }, mode: 'rerun', epoch: 5 });
    assert.equal(summary.started, count);
    assert.equal(summary.epoch, 5);
    await harness.recorder.waitFor(harness.config.topics.completed, count, (r) => (JSON.parse(r.value.toString()) as { epoch?: number }).epoch === 5, 180_000);
    const events = completedWithEpoch(harness, 5);
    assert.equal(new Set(events.map((event) => event.requestId)).size, count);
    assert.ok(events.every((event) => event.workflowId === harness.workflowId(`${event.requestId}~r5`)));
  });

  it('a replay killed halfway and resumed runs every request exactly once (CLI)', async () => {
    const args = ['replay', '--from', 'beginning', '--mode', 'rerun', '--epoch', '9', '--replay-id', 'resume-test', '--rate', '40/s', '--concurrency', '4', '--json'];
    const first = startCli(args, harness.env);
    let progress = '';
    first.stderr.on('data', (chunk: Buffer) => (progress += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the replay made no progress: ${progress}`)), 60_000);
      const check = (): void => {
        const done = [...progress.matchAll(new RegExp(` (\\d+)/${count} `, 'g'))].map((match) => Number(match[1]));
        if ((done.at(-1) ?? 0) >= count / 5) {
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
    // Settled: every epoch-9 run has closed and the count holds across polls; one run per request.
    const runs = await harness.settledRunIds((id) => id.endsWith('~r9'), count);
    assert.equal(runs.length, count, 'one run per request, no duplicates');
    assert.equal(new Set(runs).size, count);
    const events = completedWithEpoch(harness, 9);
    assert.equal(new Set(events.map((event) => event.eventId)).size, count, 'one result per request');
    assert.equal(new Set(events.map((event) => event.requestId)).size, count);
  });
});
