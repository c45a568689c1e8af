import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { completedWithEpoch, produceBatch, replayBatch } from '../support/batchRequests';
import { PipelineHarness } from '../support/pipelineHarness';

const count = 12;

describe('a replay keeps at most --max-open of its runs open', () => {
  let harness: PipelineHarness;

  before(async () => {
    harness = await PipelineHarness.start();
    const ids = await produceBatch(harness, count);
    await harness.recorder.waitFor(harness.config.topics.completed, count, (r) => ids.includes(r.key ?? ''), 180_000);
  });
  after(async () => {
    await (harness as PipelineHarness | undefined)?.close();
  });

  it('a rerun with maxOpenRuns 3 starts a run only once one of its runs has closed — never more than 3 open, as Temporal recorded them — and runs every request', async () => {
    const summary = await replayBatch(harness, { from: { kind: 'beginning' }, mode: 'rerun', epoch: 5, maxOpenRuns: 3 });
    assert.equal(summary.started, count);
    await harness.recorder.waitFor(harness.config.topics.completed, count, (r) => (JSON.parse(r.value.toString()) as { epoch?: number }).epoch === 5, 120_000);
    const runs = await Promise.all(completedWithEpoch(harness, 5).map((event) => harness.client.workflow.getHandle(event.workflowId).describe()));
    const spans = runs.map((run) => ({ start: run.startTime.getTime(), close: run.closeTime?.getTime() ?? Number.POSITIVE_INFINITY }));
    const openAt = (instant: number) => spans.filter((span) => span.start <= instant && instant < span.close).length;
    const peak = Math.max(...spans.map((span) => openAt(span.start)));
    assert.ok(peak <= 3, `at most 3 runs open at once (Temporal's start and close times show ${peak})`);
    assert.ok(peak >= 2, `the limit is not one at a time (${peak})`);
  });
});
