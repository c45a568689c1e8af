import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities/createActivities';
import { createOpenAIWebSearch } from '../../src/search/openaiWebSearch';
import { startStandInServer, type StandInServer } from '../../dev/standIn';
import { testActivityDependencies, type ActivityDependencies } from '../support/testActivityDependencies';

describe('the searcher on hosted web search', () => {
  let standIn: StandInServer;
  let activities: ReturnType<typeof createActivities>;
  const env = new MockActivityEnvironment();
  const run = <A extends unknown[], R>(activity: (...args: A) => Promise<R>, ...args: A): Promise<R> => env.run<A, R, (...args: A) => Promise<R>>(activity, ...args);

  before(async () => {
    standIn = await startStandInServer();
    activities = createActivities(deps());
  });
  const deps = (): ActivityDependencies => testActivityDependencies(standIn.baseUrl, createOpenAIWebSearch());
  after(async () => {
    await standIn?.stop();
  });

  it('asks for web_search_call.action.sources and returns the search call’s sources, though the JSON answer cites none', async () => {
    standIn.resetCalls();
    const result = await run(activities.runSearch, { query: 'geothermal lithium extraction', reason: 'to compare methods' });
    const [call] = standIn.calls();
    assert.deepEqual(call?.include, ['web_search_call.action.sources']);
    assert.equal(call?.formatName, 'search_summary');
    assert.equal(result.searchProvider, 'openai-web-search');
    assert.ok(result.sources.length >= 3, `sources: ${JSON.stringify(result.sources)}`);
    for (const source of result.sources) {
      assert.match(source.url, /^https:\/\/stand-in\.invalid\//);
      assert.equal(source.title, source.url, 'action.sources carry no title: the url stands in for it');
    }
    assert.equal(result.unsourced, undefined);
  });

  it('a search whose answer names no source says so (unsourced) and still succeeds', async () => {
    const bare = createActivities({
      ...deps(),
      searchProvider: { name: 'empty', gather: () => Promise.resolve({ tools: [], context: '', sources: [] }) },
    });
    const result = await run(bare.runSearch, { query: 'geothermal lithium extraction', reason: 'to compare methods' });
    assert.ok(result.summary.length > 0);
    assert.deepEqual(result.sources, []);
    assert.equal(result.unsourced, true);
  });

  it('a call without the web_search tool (the planner) asks for no include', async () => {
    standIn.resetCalls();
    await run(activities.planSearches, { query: 'How is lithium extracted from brine?', maxSearches: 1 });
    assert.equal(standIn.calls()[0]?.include, undefined);
  });
});
