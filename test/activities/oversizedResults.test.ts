import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompletionPublisher } from '../../activities/completionPublisher';
import { fitToBytes } from '../../activities/eventSizeFit';
import { resultFieldLimits } from '../../src/contracts/fieldLimits';
import { researchCompletedSchema } from '../../src/contracts/researchCompleted';
import { PipelineHarness } from '../support/pipelineHarness';

const marker = /… \[truncated by research-relay: first \d+ of \d+ characters\]$/;

describe('a model answer longer than the result topic takes', () => {
  let harness: PipelineHarness;
  const maxEventBytes = 60_000;
  before(async () => {
    harness = await PipelineHarness.start({
      // The writer does not stop: every text of its answer is 300,000 characters long.
      faults: { rules: [{ match: { formatName: 'research_report' }, sequence: [{ kind: 'oversized', chars: 300_000 }], repeat: true }] },
      env: { RESULT_MAX_EVENT_BYTES: String(maxEventBytes) },
    });
  });
  after(async () => {
    // Also after a failed before(): a harness that never started has nothing to close.
    await (harness as PipelineHarness | undefined)?.close();
  });

  it('is published cut to the field caps and the event limit, each cut marked', async () => {
    await harness.request('long-winded', 'What happens when a model never stops writing?', { maxSearches: 1 });
    const [record] = await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === 'long-winded', 120_000);
    assert.ok(harness.standIn.calls().some((call) => call.fault === 'oversized'), 'the oversized answer was served');
    assert.ok(record!.value.length <= maxEventBytes, `the event is ${record!.value.length} bytes`);
    const { report } = researchCompletedSchema.parse(JSON.parse(record!.value.toString()));
    assert.equal(report.shortSummary.length, resultFieldLimits.shortSummary, 'the summary is cut to its cap');
    assert.match(report.shortSummary, marker);
    assert.match(report.markdownReport, marker, 'the report says it was cut');
    assert.ok(report.markdownReport.length < resultFieldLimits.markdownReport, 'and was cut below its cap to fit the event');
    assert.ok(report.followUpQuestions.every((question) => question.length <= resultFieldLimits.followUpQuestion && marker.test(question)));
  });

  it('a draft recorded before the caps existed (a run in flight across an upgrade) still publishes research.completed, cut', async () => {
    await harness.request('upgrade-source', 'Which results were recorded before an upgrade?', { maxSearches: 1 });
    const [record] = await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === 'upgrade-source', 120_000);
    const { eventId: _eventId, ...recorded } = researchCompletedSchema.parse(JSON.parse(record!.value.toString()));
    const source = { title: 'An old source', url: 'https://example.org/old' };
    const draft = {
      ...recorded,
      requestId: 'upgraded',
      runId: 'run-recorded-by-0.2.0',
      report: { ...recorded.report, markdownReport: 'An uncapped report. '.repeat(8000) },
      searches: recorded.searches.map((search) => ({ ...search, sources: Array.from({ length: 30 }, () => source) })),
    };
    await new CompletionPublisher(harness.producer, harness.config.topics).publishCompleted(draft, {});
    const [published] = await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === 'upgraded');
    const event = researchCompletedSchema.parse(JSON.parse(published!.value.toString()));
    assert.ok(event.report.markdownReport.length <= resultFieldLimits.markdownReport && event.report.markdownReport.length > resultFieldLimits.markdownReport - 10);
    assert.match(event.report.markdownReport, marker);
    assert.equal(event.searches[0]?.sources.length, resultFieldLimits.sourcesPerSearch);
  });
});

describe('fitting an event into a byte limit', () => {
  it('cuts the longest texts first and leaves identity fields and small events alone', () => {
    const small = { eventId: 'e', text: 'short' };
    assert.equal(fitToBytes(small, 1000), small);
    // Control characters are escaped into six bytes each: 30,000 characters are 180,000 bytes of JSON.
    const event = { eventId: 'x'.repeat(300), runId: 'r', body: '\u0001'.repeat(30_000), notes: ['n'.repeat(5000), 'tiny'], sources: [{ url: `https://example.org/${'p'.repeat(1500)}` }] };
    const fitted = fitToBytes(event, 20_000);
    assert.ok(Buffer.byteLength(JSON.stringify(fitted)) <= 20_000);
    assert.equal(fitted.eventId, event.eventId, 'identity fields are never cut');
    assert.equal(fitted.sources[0]?.url, event.sources[0]?.url, 'nor URLs');
    assert.match(fitted.body, marker);
    assert.equal(fitted.notes[1], 'tiny');
  });
});
