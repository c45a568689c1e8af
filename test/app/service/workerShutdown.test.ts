import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../support/eventually';
import { PipelineHarness } from '../../support/pipelineHarness';

describe('a worker that stops while a model call is in flight', () => {
  let harness: PipelineHarness;

  before(async () => {
    harness = await PipelineHarness.start({
      // The planner answers after 22 s: longer than the 10 s grace the worker used to have.
      faults: { rules: [{ match: { formatName: 'research_plan' }, sequence: [{ kind: 'delay', ms: 22_000 }] }] },
      env: { WORKER_SHUTDOWN_GRACE_MS: '45000', OPENAI_TIMEOUT_MS: '60000' },
    });
  });
  after(async () => {
    await (harness as PipelineHarness | undefined)?.close();
  });

  it('lets the call finish within WORKER_SHUTDOWN_GRACE_MS: it is neither abandoned nor paid for twice', async () => {
    await harness.request('graceful', 'Does a stopping worker finish its model call?', { maxSearches: 1 });
    await eventually(() => harness.standIn.calls().some((call) => call.formatName === 'research_plan') || undefined, 30_000, 'the planner call to begin');
    await harness.service?.stop();
    const planner = harness.standIn.calls().filter((call) => call.formatName === 'research_plan');
    assert.deepEqual(planner.map((call) => call.status), [200], 'the call in flight finished (not 499: abandoned by its client)');

    harness.service = await harness.startService();
    await harness.recorder.waitFor(harness.config.topics.completed, 1, (record) => record.key === 'graceful', 60_000);
    assert.equal(harness.standIn.calls().filter((call) => call.formatName === 'research_plan').length, 1, 'the plan was not asked for again');
  });
});
