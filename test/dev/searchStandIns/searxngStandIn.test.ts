import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSearxngStandIn, type SearxngStandInCall } from '../../../dev/searchStandIns/searxngStandIn';
import type { SearchStandIn } from '../../../dev/searchStandIns/searchStandInServer';
import { eventually } from '../../support/eventually';

describe('the SearXNG stand-in speaks SearXNG’s JSON search API', () => {
  let searxng: SearchStandIn<SearxngStandInCall>;
  before(async () => {
    searxng = await startSearxngStandIn();
  });
  after(async () => {
    await searxng?.stop();
  });

  it('answers GET /search?format=json with the top-level fields and result fields of SearXNG’s JSON output', async () => {
    const response = await fetch(`${searxng.url}/search?q=${encodeURIComponent('temporal retries')}&format=json`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await response.json()) as Record<string, unknown>;
    for (const field of ['query', 'number_of_results', 'results', 'answers', 'corrections', 'infoboxes', 'suggestions', 'unresponsive_engines']) {
      assert.ok(field in body, field);
    }
    assert.equal(body.query, 'temporal retries');
    const results = body.results as Record<string, unknown>[];
    assert.ok(results.length > 0);
    for (const result of results) {
      assert.match(String(result.url), /^https:\/\//);
      for (const field of ['title', 'content', 'engine']) assert.equal(typeof result[field], 'string', field);
      assert.equal(typeof result.score, 'number');
      assert.ok(Array.isArray(result.engines) && Array.isArray(result.parsed_url));
    }
  });

  it('answers 403 to format=json on an instance without the JSON format, as SearXNG does, and HTML still works', async () => {
    const htmlOnly = await startSearxngStandIn({ jsonFormat: false });
    try {
      assert.equal((await fetch(`${htmlOnly.url}/search?q=kafka&format=json`)).status, 403);
      assert.equal((await fetch(`${htmlOnly.url}/search?q=kafka`)).status, 200);
    } finally {
      await htmlOnly.stop();
    }
  });

  it('lists unresponsive engines as [engine, reason] pairs with no results', async () => {
    const failing = await startSearxngStandIn({ unresponsiveEngines: [['brave', 'timeout']] });
    try {
      const body = (await (await fetch(`${failing.url}/search?q=kafka&format=json`)).json()) as Record<string, unknown>;
      assert.deepEqual(body.results, []);
      assert.deepEqual(body.unresponsive_engines, [['brave', 'timeout']]);
    } finally {
      await failing.stop();
    }
  });

  it('injects the queued faults in order, a slow answer included, then answers normally', async () => {
    searxng.calls.length = 0;
    searxng.fail({ kind: 'status', status: 429, retryAfterSeconds: 3 });
    searxng.fail({ kind: 'slow', delayMs: 60_000 });
    const limited = await fetch(`${searxng.url}/search?q=kafka&format=json`);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '3');
    await assert.rejects(fetch(`${searxng.url}/search?q=kafka&format=json`, { signal: AbortSignal.timeout(200) }), { name: 'TimeoutError' });
    assert.equal((await fetch(`${searxng.url}/search?q=kafka&format=json`)).status, 200);
    assert.equal(searxng.calls.length, 3);
  });

  it('answers raw, trickling and padded faults, and counts the answers a client abandoned', async () => {
    const search = `${searxng.url}/search?q=kafka&format=json`;
    searxng.fail({ kind: 'raw', status: 200, contentType: 'text/plain', body: 'not json' });
    const raw = await fetch(search);
    assert.equal(raw.headers.get('content-type'), 'text/plain');
    assert.equal(await raw.text(), 'not json');

    searxng.fail({ kind: 'trickle', forMs: 300 });
    const started = performance.now();
    const trickled = await fetch(search);
    assert.equal(trickled.status, 200, 'the headers come at once');
    const body = (await trickled.json()) as Record<string, unknown>;
    assert.ok(performance.now() - started >= 250, 'the body only after forMs');
    assert.ok(Array.isArray(body.results));

    searxng.fail({ kind: 'padded', bytes: 100_000, status: 502 });
    const padded = await fetch(search);
    assert.equal(padded.status, 502);
    const text = await padded.text();
    assert.match(text, /^ {100000}<!DOCTYPE html>/);

    const abandoned = searxng.abandoned;
    searxng.fail({ kind: 'padded', bytes: 64 * 1024 * 1024 });
    const huge = await fetch(search);
    await huge.body?.cancel();
    await eventually(() => searxng.abandoned >= abandoned + 1, 10_000, 'the cancelled answer to count as abandoned');
  });
});
