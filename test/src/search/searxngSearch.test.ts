import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startSearxngStandIn, type SearxngStandInCall } from '../../../dev/searchStandIns/searxngStandIn';
import type { SearchStandIn } from '../../../dev/searchStandIns/searchStandInServer';
import { SearchBackendRejectedError, SearchBackendUnavailableError } from '../../../src/errors';
import { createSearxngSearch, type SearxngSearchOptions } from '../../../src/search/searxngSearch';
import { eventually } from '../../support/eventually';
import { assertLabelledBlocks } from './materialInvariant';

const fastRetries = { maxAttempts: 3, backoff: { initialMs: 5, maxMs: 20, factor: 2 } };
const oneRequest = { maxAttempts: 1 };
const mib = 1024 * 1024;

describe('the SearXNG search provider, against the SearXNG stand-in', () => {
  let searxng: SearchStandIn<SearxngStandInCall>;
  const provider = (overrides: Partial<SearxngSearchOptions> = {}) => createSearxngSearch({ url: searxng.url, timeoutMs: 2000, retry: fastRetries, ...overrides });

  before(async () => {
    searxng = await startSearxngStandIn();
  });
  beforeEach(() => {
    searxng.calls.length = 0;
  });
  after(async () => {
    await searxng?.stop();
  });

  it('turns the results into [n] blocks that describe sources[n-1], at most maxSources of them', async () => {
    const material = await provider().gather('kafka consumer offsets lag', { maxSources: 1 });
    assert.equal(material.sources.length, 1);
    assertLabelledBlocks(material);
    const wider = await provider().gather('kafka consumer offsets lag', { maxSources: 5 });
    assert.ok(wider.sources.length >= 2, JSON.stringify(wider.sources));
    assertLabelledBlocks(wider);
    for (const source of wider.sources) assert.match(source.url, /^https:\/\/kafka\.example\.org\//);
  });

  it('asks GET /search with q and format=json', async () => {
    await provider().gather('geothermal lithium', { maxSources: 3 });
    assert.equal(searxng.calls.length, 1);
    const [call] = searxng.calls;
    assert.equal(call?.method, 'GET');
    assert.equal(call?.path, '/search');
    assert.deepEqual(call?.params, { q: 'geothermal lithium', format: 'json' });
  });

  it('a base URL with a path and credentials: the path is kept, the credentials become Basic auth and stay out of messages', async () => {
    const url = new URL(searxng.url);
    url.username = 'relay';
    url.password = 's3cret-pass';
    searxng.fail({ kind: 'status', status: 404 });
    await assert.rejects(provider({ url: `${url.href}searx` }).gather('kafka', { maxSources: 2 }), (error: unknown) => {
      assert.ok(error instanceof SearchBackendRejectedError, String(error));
      assert.ok(!error.message.includes('s3cret-pass'), error.message);
      assert.match(error.message, /SEARXNG_URL/);
      return true;
    });
    assert.equal(searxng.calls[0]?.path, '/searx/search');
    assert.equal(searxng.calls[0]?.authorization, `Basic ${Buffer.from('relay:s3cret-pass').toString('base64')}`);
  });

  it('finds nothing without failing: no sources, and a context that says so', async () => {
    const material = await provider().gather('zzqxv', { maxSources: 5 });
    assert.deepEqual(material.sources, []);
    assert.match(material.context, /SearXNG found nothing/);
  });

  it('an instance without the JSON format (403) fails at once, non-retryable, saying how to enable it', async () => {
    const htmlOnly = await startSearxngStandIn({ jsonFormat: false });
    try {
      await assert.rejects(createSearxngSearch({ url: htmlOnly.url, retry: fastRetries }).gather('kafka offsets', { maxSources: 3 }), (error: unknown) => {
        assert.ok(error instanceof SearchBackendRejectedError, String(error));
        assert.equal(error.retryable, false);
        assert.equal(error.status, 403);
        assert.match(error.message, /settings\.yml/);
        assert.match(error.message, /formats: \[html, json\]/);
        return true;
      });
      assert.equal(htmlOnly.calls.length, 1);
    } finally {
      await htmlOnly.stop();
    }
  });

  it('a 401 fails at once after one request', async () => {
    searxng.fail({ kind: 'status', status: 401 });
    await assert.rejects(provider().gather('kafka offsets', { maxSources: 3 }), (error: unknown) => error instanceof SearchBackendRejectedError && error.status === 401);
    assert.equal(searxng.calls.length, 1);
  });

  it('a 429 is retried and the retry succeeds', async () => {
    searxng.fail({ kind: 'status', status: 429, retryAfterSeconds: 0 });
    const material = await provider().gather('heat pumps', { maxSources: 2 });
    assert.equal(searxng.calls.length, 2);
    assert.equal(material.sources[0]?.url, 'https://energy.example.org/heat-pumps-cold-climates');
  });

  it('5xx on every request ends as SearchBackendUnavailableError after maxAttempts requests', async () => {
    searxng.fail({ kind: 'status', status: 502, times: 3 });
    await assert.rejects(provider().gather('kafka offsets', { maxSources: 3 }), (error: unknown) => {
      assert.ok(error instanceof SearchBackendUnavailableError, String(error));
      assert.equal(error.retryable, true);
      assert.equal(error.attempts, 3);
      return true;
    });
    assert.equal(searxng.calls.length, 3);
  });

  it('an answer slower than the timeout is retryable, and a retry within the gather may succeed', async () => {
    searxng.fail({ kind: 'slow', delayMs: 1500 });
    const material = await provider({ timeoutMs: 150 }).gather('kafka offsets', { maxSources: 2 });
    assert.equal(searxng.calls.length, 2);
    assert.ok(material.sources.length > 0);
    searxng.fail({ kind: 'slow', delayMs: 1500, times: 2 });
    await assert.rejects(provider({ timeoutMs: 150, retry: { ...fastRetries, maxAttempts: 2 } }).gather('kafka offsets', { maxSources: 2 }), /did not answer within 150 ms/);
  });

  it('engines that all failed are no empty answer: retried, then retryable', async () => {
    const failing = await startSearxngStandIn({ unresponsiveEngines: [['duckduckgo', 'timeout'], ['brave', 'too many requests']] });
    try {
      await assert.rejects(createSearxngSearch({ url: failing.url, retry: fastRetries }).gather('kafka', { maxSources: 2 }), (error: unknown) => {
        assert.ok(error instanceof SearchBackendUnavailableError, String(error));
        assert.match(error.message, /duckduckgo: timeout/);
        return true;
      });
      assert.equal(failing.calls.length, 3);
    } finally {
      await failing.stop();
    }
  });

  it('an abort ends the gather with the signal’s reason', async () => {
    searxng.fail({ kind: 'slow', delayMs: 1500 });
    const controller = new AbortController();
    const gathering = provider().gather('kafka offsets', { maxSources: 3, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('activity cancelled')), 50);
    await assert.rejects(gathering, /activity cancelled/);
    assert.equal(searxng.calls.length, 1);
  });

  it('a base URL with a query string keeps its parameters next to q and format, and they stay out of messages', async () => {
    await provider({ url: `${searxng.url}/?token=gate-7c1e&lang=en` }).gather('geothermal lithium', { maxSources: 3 });
    assert.deepEqual(searxng.calls[0]?.params, { token: 'gate-7c1e', lang: 'en', q: 'geothermal lithium', format: 'json' });
    assert.equal(searxng.calls[0]?.path, '/search');
    searxng.fail({ kind: 'status', status: 404 });
    await assert.rejects(provider({ url: `${searxng.url}/searx?token=gate-7c1e` }).gather('kafka', { maxSources: 2 }), (error: unknown) => {
      assert.ok(error instanceof SearchBackendRejectedError, String(error));
      assert.doesNotMatch(error.message, /gate-7c1e/);
      return true;
    });
    assert.equal(searxng.calls[1]?.path, '/searx/search');
  });

  it('a malformed result entry is skipped, the others kept', async () => {
    const results = [
      { url: null, title: 'no url' },
      'not an entry',
      { url: 'https://ok.example.org/a', title: 'Kept', content: 'a passage' },
      { url: 'https://ok.example.org/b', title: 42, content: null },
    ];
    searxng.fail({ kind: 'raw', status: 200, body: JSON.stringify({ query: 'kafka', results }) });
    const material = await provider().gather('kafka', { maxSources: 5 });
    assert.deepEqual(material.sources.map((source) => source.url), ['https://ok.example.org/a', 'https://ok.example.org/b']);
    assertLabelledBlocks(material);
  });

  it('an answer that is not JSON is a rejection, at once', async () => {
    searxng.fail({ kind: 'raw', status: 200, contentType: 'text/html', body: '<html><body>results</body></html>' });
    await assert.rejects(provider().gather('kafka', { maxSources: 2 }), (error: unknown) => {
      assert.ok(error instanceof SearchBackendRejectedError, String(error));
      assert.match(error.message, /without JSON/);
      return true;
    });
    assert.equal(searxng.calls.length, 1);
  });

  it('the timeout firing while the answer is still arriving is the retryable “did not answer within”, not a rejection', async () => {
    const abandoned = searxng.abandoned;
    searxng.fail({ kind: 'trickle', forMs: 5000 });
    await assert.rejects(provider({ timeoutMs: 300, retry: oneRequest }).gather('kafka offsets', { maxSources: 2 }), (error: unknown) => {
      assert.ok(error instanceof SearchBackendUnavailableError, String(error));
      assert.match(error.message, /did not answer within 300 ms \(SEARCH_TIMEOUT_MS\)/);
      return true;
    });
    await eventually(() => searxng.abandoned >= abandoned + 1, 10_000, 'the stand-in to see the trickling answer abandoned');
  });

  it('an answer larger than 4 MiB is not read whole: the provider stops reading and rejects it', async () => {
    const abandoned = searxng.abandoned;
    searxng.fail({ kind: 'padded', bytes: 32 * mib });
    await assert.rejects(provider({ retry: oneRequest }).gather('kafka offsets', { maxSources: 2 }), (error: unknown) => {
      assert.ok(error instanceof SearchBackendRejectedError, String(error));
      assert.equal(error.status, 200);
      assert.match(error.message, /more than 4 MiB/);
      return true;
    });
    await eventually(() => searxng.abandoned >= abandoned + 1, 10_000, 'the stand-in to see the answer abandoned');
  });

  it('an error page is read only up to a few KB: the rest is never read, and the message keeps a short line of it', async () => {
    const abandoned = searxng.abandoned;
    searxng.fail({ kind: 'padded', bytes: 32 * mib, status: 502 });
    await assert.rejects(provider({ retry: oneRequest }).gather('kafka offsets', { maxSources: 2 }), (error: unknown) => {
      assert.ok(error instanceof SearchBackendUnavailableError, String(error));
      assert.equal(error.status, 502);
      assert.ok(error.message.length < 400, `${error.message.length} chars`);
      return true;
    });
    await eventually(() => searxng.abandoned >= abandoned + 1, 10_000, 'the stand-in to see the error page abandoned');
  });
});
