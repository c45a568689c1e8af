import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tavily, type TavilySearchResponse } from '@tavily/core';
import { startTavilyStandIn, type TavilyStandInCall } from '../../../dev/searchStandIns/tavilyStandIn';
import type { SearchStandIn } from '../../../dev/searchStandIns/searchStandInServer';

const apiKey = 'tvly-stand-in-test';

describe('the Tavily stand-in speaks Tavily’s published search API', () => {
  let tavilyApi: SearchStandIn<TavilyStandInCall>;
  before(async () => {
    tavilyApi = await startTavilyStandIn({ apiKey });
  });
  after(async () => {
    await tavilyApi?.stop();
  });

  it('answers the official SDK with a response it maps into its own TavilySearchResponse', async () => {
    const response: TavilySearchResponse = await tavily({ apiKey, apiBaseURL: tavilyApi.url }).search('kafka consumer offsets', { maxResults: 2 });
    assert.equal(response.query, 'kafka consumer offsets');
    assert.equal(typeof response.responseTime, 'number');
    assert.equal(typeof response.requestId, 'string');
    assert.deepEqual(response.images, []);
    assert.ok(response.results.length > 0 && response.results.length <= 2);
    for (const result of response.results) {
      assert.equal(typeof result.title, 'string');
      assert.match(result.url, /^https:\/\//);
      assert.equal(typeof result.content, 'string');
      assert.ok(result.score > 0 && result.score <= 1);
    }
  });

  it('answers raw REST calls with the snake_case fields and { detail: { error } } errors', async () => {
    const post = (body: unknown, authorization = `Bearer ${apiKey}`) =>
      fetch(`${tavilyApi.url}/search`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify(body) });
    const ok = await post({ query: 'heat pumps', max_results: 5, search_depth: 'basic' });
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['answer', 'images', 'query', 'request_id', 'response_time', 'results']);
    const [first] = body.results as Record<string, unknown>[];
    assert.deepEqual(Object.keys(first ?? {}).sort(), ['content', 'raw_content', 'score', 'title', 'url']);

    const unauthorized = await post({ query: 'heat pumps' }, 'Bearer tvly-wrong');
    assert.equal(unauthorized.status, 401);
    assert.deepEqual(await unauthorized.json(), { detail: { error: 'Unauthorized: missing or invalid API key.' } });
    assert.equal((await post({ max_results: 3 })).status, 400);
  });

  it('injects the queued faults into the next calls, then answers normally', async () => {
    tavilyApi.fail({ kind: 'status', status: 429, retryAfterSeconds: 7 });
    tavilyApi.fail({ kind: 'status', status: 503 });
    const client = tavily({ apiKey, apiBaseURL: tavilyApi.url });
    const raw = await fetch(`${tavilyApi.url}/search`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` }, body: '{"query":"kafka"}' });
    assert.equal(raw.status, 429);
    assert.equal(raw.headers.get('retry-after'), '7');
    await assert.rejects(client.search('kafka'), /Service Unavailable/);
    assert.ok((await client.search('kafka')).results.length > 0);
    tavilyApi.fail({ kind: 'status', status: 502, body: '<html><body>Bad gateway</body></html>' });
    await assert.rejects(client.search('kafka'), /^Error: 502 Error: "<html><body>Bad gateway<\/body><\/html>"$/);
  });
});
