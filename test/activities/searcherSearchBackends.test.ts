import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities/createActivities';
import { startSearxngStandIn, type SearxngStandInCall } from '../../dev/searchStandIns/searxngStandIn';
import type { SearchStandIn } from '../../dev/searchStandIns/searchStandInServer';
import { startTavilyStandIn, type TavilyStandInCall } from '../../dev/searchStandIns/tavilyStandIn';
import { startStandInServer, type StandInServer } from '../../dev/standIn';
import { createSearxngSearch } from '../../src/search/searxngSearch';
import { createTavilySearch } from '../../src/search/tavilySearch';
import { testActivityDependencies } from '../support/testActivityDependencies';

const apiKey = 'tvly-activity-test-5e2b';
const fastRetries = { maxAttempts: 2, backoff: { initialMs: 5, maxMs: 10, factor: 2 } };

describe('the searcher on Tavily and SearXNG', () => {
  let standIn: StandInServer;
  let tavilyApi: SearchStandIn<TavilyStandInCall>;
  let searxng: SearchStandIn<SearxngStandInCall>;
  const env = new MockActivityEnvironment();

  before(async () => {
    [standIn, tavilyApi, searxng] = await Promise.all([startStandInServer(), startTavilyStandIn({ apiKey }), startSearxngStandIn()]);
  });
  after(async () => {
    await Promise.all([standIn?.stop(), tavilyApi?.stop(), searxng?.stop()]);
  });

  type RunSearch = ReturnType<typeof createActivities>['runSearch'];
  const search = (activities: ReturnType<typeof createActivities>) =>
    env.run<Parameters<RunSearch>, Awaited<ReturnType<RunSearch>>, RunSearch>(activities.runSearch, { query: 'kafka consumer offsets and lag', reason: 'to explain delivery guarantees' });

  it('returns the back end’s urls as the SearchResult’s sources, named after the provider', async () => {
    for (const provider of [
      createTavilySearch({ apiKey, baseUrl: tavilyApi.url, retry: fastRetries }),
      createSearxngSearch({ url: searxng.url, retry: fastRetries }),
    ]) {
      const result = await search(createActivities(testActivityDependencies(standIn.baseUrl, provider)));
      assert.equal(result.searchProvider, provider.name);
      assert.ok(result.sources.length >= 2, JSON.stringify(result.sources));
      for (const source of result.sources) assert.match(source.url, /^https:\/\/kafka\.example\.org\//, provider.name);
      assert.equal(result.unsourced, undefined);
    }
  });

  it('a key Tavily refuses fails the activity non-retryably, typed SearchBackendRejectedError, without the key', async () => {
    const wrongKey = 'tvly-refused-91c3d7';
    const activities = createActivities(testActivityDependencies(standIn.baseUrl, createTavilySearch({ apiKey: wrongKey, baseUrl: tavilyApi.url, retry: fastRetries })));
    await assert.rejects(search(activities), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure, String(error));
      assert.equal(error.type, 'SearchBackendRejectedError');
      assert.equal(error.nonRetryable, true);
      assert.ok(!error.message.includes(wrongKey));
      return true;
    });
  });

  it('a back end that stays unavailable fails the activity retryably, typed SearchBackendUnavailableError', async () => {
    searxng.fail({ kind: 'status', status: 503, times: 2 });
    const activities = createActivities(testActivityDependencies(standIn.baseUrl, createSearxngSearch({ url: searxng.url, retry: fastRetries })));
    await assert.rejects(search(activities), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure, String(error));
      assert.equal(error.type, 'SearchBackendUnavailableError');
      assert.equal(error.nonRetryable, false);
      return true;
    });
  });

  it('a Retry-After longer than the provider waits fails the activity retryably, with that wait as Temporal’s next delay', async () => {
    tavilyApi.fail({ kind: 'status', status: 429, retryAfterSeconds: 90 });
    const activities = createActivities(testActivityDependencies(standIn.baseUrl, createTavilySearch({ apiKey, baseUrl: tavilyApi.url, retry: fastRetries })));
    await assert.rejects(search(activities), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure, String(error));
      assert.equal(error.type, 'SearchBackendUnavailableError');
      assert.equal(error.nonRetryable, false);
      assert.equal(error.nextRetryDelay, 90_000);
      return true;
    });
  });
});
