import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { replayBatch } from '../support/batchRequests';
import { PipelineHarness } from '../support/pipelineHarness';

describe('replaying records that live ingest dead-lettered', () => {
  let harness: PipelineHarness;

  before(async () => {
    harness = await PipelineHarness.start();
    await harness.request('kept-1', 'First question?', { maxSearches: 1 });
    await harness.produceRaw('broken', 'this is {not json', { ce_type: 'research.requested.v1' });
    await harness.request('kept-2', 'Second question?', { maxSearches: 1 });
    await harness.recorder.waitFor(harness.config.topics.deadLetter, 1, (record) => record.key === 'broken');
    await harness.recorder.waitFor(harness.config.topics.completed, 2, (record) => ['kept-1', 'kept-2'].includes(record.key ?? ''));
  });
  after(async () => {
    await (harness as PipelineHarness | undefined)?.close();
  });

  it('counts them as invalid and writes no second dead letter, however often it runs', async () => {
    const letters = await harness.topicEnd(harness.config.topics.deadLetter);
    for (const epoch of [1, 2, 3]) {
      const summary = await replayBatch(harness, { from: { kind: 'beginning' }, mode: 'rerun', epoch });
      assert.equal(summary.invalid, 1);
      assert.equal(summary.started, 2);
    }
    assert.equal(await harness.topicEnd(harness.config.topics.deadLetter), letters, 'still exactly one letter (the end offsets did not move)');
  });
});
