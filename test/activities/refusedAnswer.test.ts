import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { researchFailedSchema } from '../../src/contracts/researchFailed';
import { PipelineHarness } from '../support/pipelineHarness';

describe('a model that refuses to write the report', () => {
  let harness: PipelineHarness;
  before(async () => {
    // Every writer call is refused; a retry would be refused again, and billed.
    harness = await PipelineHarness.start({ faults: { rules: [{ match: { formatName: 'research_report' }, sequence: [{ kind: 'refusal' }], repeat: true }] } });
  });
  after(async () => {
    await (harness as PipelineHarness | undefined)?.close();
  });

  it('fails the run at the write stage with ModelRefusedError, asked once, the refusal text nowhere in the event', async () => {
    await harness.request('refused-report', 'Which heat pumps suit cold climates?', { maxSearches: 1 });
    const [record] = await harness.recorder.waitFor(harness.config.topics.failed, 1, (r) => r.key === 'refused-report', 120_000);
    const text = record?.value.toString() ?? '';
    const event = researchFailedSchema.parse(JSON.parse(text));

    assert.equal(event.stage, 'write');
    assert.equal(event.cancelled, false);
    assert.equal(event.error.type, 'ModelRefusedError');
    assert.match(event.error.message, /writer: .* refused to answer/);
    assert.ok(!text.includes("can't help"), 'the refusal text is not published');
    const writerCalls = harness.standIn.calls().filter((call) => call.formatName === 'research_report');
    assert.deepEqual(
      writerCalls.map((call) => call.fault),
      ['refusal'],
      'one call: not asked again within the attempt, and no activity retry (LLM_ACTIVITY_ATTEMPTS is 2)',
    );
    assert.equal(event.usage.writer?.failedAttempts?.calls, 1, "the refused call's tokens are in the run's usage");
    assert.equal(harness.recorder.on(harness.config.topics.completed).filter((r) => r.key === 'refused-report').length, 0);
  });
});
