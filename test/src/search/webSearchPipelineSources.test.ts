import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PipelineHarness } from '../../support/pipelineHarness';
import { researchCompletedSchema } from '../../../src/contracts/researchCompleted';
import { tearDown } from '../../support/teardown';

describe('a run on hosted web search (SEARCH_PROVIDER=openai-web-search), end to end', () => {
  let harness: PipelineHarness | undefined;

  before(async () => {
    harness = await PipelineHarness.start({ env: { SEARCH_PROVIDER: 'openai-web-search', SEARCH_CORPUS_DIR: '' } });
  });
  after(() => tearDown(() => harness?.close()));

  it('research.completed lists the sources each search call consulted', async () => {
    const pipeline = harness;
    assert.ok(pipeline);
    const requestId = 'web-search-sources';
    await pipeline.request(requestId, 'How is lithium extracted from geothermal brine?', { maxSearches: 2 });
    const [record] = await pipeline.recorder.waitFor(pipeline.config.topics.completed, 1, (r) => r.key === requestId);
    assert.ok(record);
    const event = researchCompletedSchema.parse(JSON.parse(record.value.toString()));
    assert.equal(event.searchProvider, 'openai-web-search');
    assert.equal(event.searches.length, 2);
    for (const search of event.searches) {
      assert.equal(search.succeeded, true);
      assert.ok(search.sources.length >= 3, `sources of "${search.query}": ${JSON.stringify(search.sources)}`);
      assert.ok(search.sources.every((source) => source.url.startsWith('https://stand-in.invalid/')));
      assert.equal(search.unsourced, undefined);
    }
    const searcherCalls = pipeline.standIn.calls().filter((call) => call.formatName === 'search_summary');
    assert.ok(searcherCalls.length >= 2);
    assert.ok(searcherCalls.every((call) => call.include?.includes('web_search_call.action.sources')));
  });
});
