import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { researchCompletedSchema } from '../../../src/contracts/researchCompleted';
import { researchFailedSchema } from '../../../src/contracts/researchFailed';
import { PipelineHarness } from '../../support/pipelineHarness';

describe('a research run with MODEL_API=chat-completions, on the real Kafka and Temporal', () => {
  let harness: PipelineHarness;
  before(async () => {
    harness = await PipelineHarness.start({ env: { MODEL_API: 'chat-completions' } });
  });
  after(async () => {
    await (harness as PipelineHarness | undefined)?.close();
  });

  it('completes with every model call made through Chat Completions, and the usage the server reported', async () => {
    await harness.request('chat-one', 'How do Kafka consumer groups share the partitions of a topic?', { maxSearches: 3 });
    const [record] = await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === 'chat-one');
    const event = researchCompletedSchema.parse(JSON.parse(record?.value.toString() ?? ''));

    assert.equal(event.searches.length, 3);
    assert.ok(event.searches.every((search) => search.succeeded && search.sources.length > 0));
    assert.ok(event.report.markdownReport.length > 0);
    const calls = harness.standIn.calls();
    assert.deepEqual([...new Set(calls.map((call) => call.path))], ['/v1/chat/completions']);
    assert.deepEqual(calls.map((call) => call.formatName).sort(), ['research_plan', 'research_report', 'search_summary', 'search_summary', 'search_summary']);
    const reported = calls.reduce((sum, call) => sum + (call.usage?.inputTokens ?? 0) + (call.usage?.outputTokens ?? 0), 0);
    assert.equal(event.usage.total.inputTokens + event.usage.total.outputTokens, reported, 'the tokens the server reported, no more, no less');
  });

  it('with a budget, every call carries its output allowance and a cut answer fails the run as ModelOutputTruncatedError', async () => {
    harness.standIn.resetCalls();
    harness.standIn.setFaults({ rules: [{ match: { formatName: 'research_report' }, sequence: [{ kind: 'incomplete' }], repeat: true }] });
    await harness.request('chat-cut', 'Why do batteries lose capacity in the cold?', { maxSearches: 1, budget: { maxTokens: 500_000 } });
    const [record] = await harness.recorder.waitFor(harness.config.topics.failed, 1, (r) => r.key === 'chat-cut');
    const event = researchFailedSchema.parse(JSON.parse(record?.value.toString() ?? ''));

    assert.equal(event.error.type, 'ModelOutputTruncatedError');
    assert.equal(event.stage, 'write');
    assert.match(event.error.message, /cut short \(length\)/);
    const calls = harness.standIn.calls();
    assert.ok(calls.every((call) => call.path === '/v1/chat/completions' && call.maxOutputTokens !== undefined));
    assert.equal(calls.filter((call) => call.formatName === 'research_report').length, 1, 'the cut answer is not asked for again');
    assert.ok((event.usage?.writer?.outputTokens ?? 0) > 0, 'the cut answer’s tokens are counted');
  });
});
