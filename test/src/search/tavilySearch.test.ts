import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startTavilyStandIn, type TavilyStandInCall } from '../../../dev/searchStandIns/tavilyStandIn';
import type { SearchStandIn } from '../../../dev/searchStandIns/searchStandInServer';
import { SearchBackendRejectedError, SearchBackendUnavailableError } from '../../../src/errors';
import { createTavilySearch, type TavilySearchOptions } from '../../../src/search/tavilySearch';
import { eventually } from '../../support/eventually';
import { assertLabelledBlocks } from './materialInvariant';

const apiKey = 'tvly-test-3f9c2a7e51';
const fastRetries = { maxAttempts: 3, backoff: { initialMs: 5, maxMs: 20, factor: 2 } };
const oneRequest = { maxAttempts: 1 };
const mib = 1024 * 1024;

describe('the Tavily search provider, against the Tavily stand-in', () => {
  let tavilyApi: SearchStandIn<TavilyStandInCall>;
  const provider = (overrides: Partial<TavilySearchOptions> = {}) =>
    createTavilySearch({ apiKey, baseUrl: tavilyApi.url, timeoutMs: 2000, retry: fastRetries, ...overrides });

  before(async () => {
    tavilyApi = await startTavilyStandIn({ apiKey });
  });
  beforeEach(() => {
    tavilyApi.calls.length = 0;
  });
  after(async () => {
    await tavilyApi?.stop();
  });

  it('turns the results into [n] blocks that describe sources[n-1], the back end’s urls', async () => {
    const material = await provider().gather('how does a kafka consumer commit offsets', { maxSources: 3 });
    assert.ok(material.sources.length >= 1 && material.sources.length <= 3, JSON.stringify(material.sources));
    assertLabelledBlocks(material);
    assert.equal(material.sources[0]?.url, 'https://kafka.example.org/docs/consumer-offsets');
    assert.match(material.sources[0]?.snippet ?? '', /^A Kafka consumer commits offsets/);
  });

  it('sends the query, max_results and the key as a bearer token, through the official SDK', async () => {
    await provider().gather('temporal activity retries', { maxSources: 4 });
    const [call] = tavilyApi.calls;
    assert.equal(tavilyApi.calls.length, 1);
    assert.equal(call?.method, 'POST');
    assert.equal(call?.path, '/search');
    assert.equal(call?.authorization, `Bearer ${apiKey}`);
    assert.equal(call?.clientSource, 'tavily-js');
    assert.equal(call?.body.query, 'temporal activity retries');
    assert.equal(call?.body.max_results, 4);
    assert.equal(call?.body.search_depth, 'basic');
  });

  it('finds nothing without failing: no sources, and a context that says so', async () => {
    const material = await provider().gather('zzqxv', { maxSources: 5 });
    assert.deepEqual(material.sources, []);
    assert.match(material.context, /found nothing/);
    assert.doesNotMatch(material.context, /\[1\]/);
  });

  for (const status of [401, 403]) {
    it(`a ${status} fails at once as SearchBackendRejectedError, after one request, naming TAVILY_API_KEY and not the key`, async () => {
      tavilyApi.fail({ kind: 'status', status });
      await assert.rejects(provider().gather('kafka offsets', { maxSources: 3 }), (error: unknown) => {
        assert.ok(error instanceof SearchBackendRejectedError, String(error));
        assert.equal(error.retryable, false);
        assert.equal(error.status, status);
        assert.equal(error.name, 'SearchBackendRejectedError');
        assert.match(error.message, /TAVILY_API_KEY/);
        assert.ok(!error.message.includes(apiKey));
        return true;
      });
      assert.equal(tavilyApi.calls.length, 1);
    });
  }

  it('a wrong key is Tavily’s own 401, and the message never carries the key sent', async () => {
    const wrongKey = 'tvly-wrong-8d1e44b0c7';
    await assert.rejects(provider({ apiKey: wrongKey }).gather('kafka offsets', { maxSources: 3 }), (error: unknown) => {
      assert.ok(error instanceof SearchBackendRejectedError);
      assert.equal(error.status, 401);
      assert.ok(!String(error.stack).includes(wrongKey));
      return true;
    });
    assert.equal(tavilyApi.calls[0]?.authorization, `Bearer ${wrongKey}`);
  });

  it('a 429 is retried after the Retry-After it names, and the retry succeeds', async () => {
    tavilyApi.fail({ kind: 'status', status: 429, retryAfterSeconds: 1 });
    const started = performance.now();
    const material = await provider().gather('kafka consumer lag', { maxSources: 2 });
    assert.equal(tavilyApi.calls.length, 2);
    assert.ok(performance.now() - started >= 950, 'waited out Retry-After: 1 although the backoff is 5 ms');
    assert.ok(material.sources.length > 0);
  });

  it('a Retry-After longer than the provider waits ends the gather at once, retryably, for Temporal to wait', async () => {
    tavilyApi.fail({ kind: 'status', status: 429, retryAfterSeconds: 60 });
    await assert.rejects(provider().gather('kafka consumer lag', { maxSources: 2 }), (error: unknown) => {
      assert.ok(error instanceof SearchBackendUnavailableError, String(error));
      assert.equal(error.status, 429);
      assert.equal(error.retryAfterMs, 60_000, 'the wait Tavily asked for goes to Temporal');
      return true;
    });
    assert.equal(tavilyApi.calls.length, 1);
  });

  it('5xx on every request ends as SearchBackendUnavailableError (retryable) after maxAttempts requests', async () => {
    tavilyApi.fail({ kind: 'status', status: 500, times: 1 });
    tavilyApi.fail({ kind: 'status', status: 503, times: 2 });
    await assert.rejects(provider().gather('kafka offsets', { maxSources: 3 }), (error: unknown) => {
      assert.ok(error instanceof SearchBackendUnavailableError, String(error));
      assert.equal(error.retryable, true);
      assert.equal(error.status, 503);
      assert.equal(error.attempts, 3);
      return true;
    });
    assert.equal(tavilyApi.calls.length, 3);
  });

  it('an answer slower than the timeout is a retryable SearchBackendUnavailableError', async () => {
    tavilyApi.fail({ kind: 'slow', delayMs: 1500, times: 2 });
    await assert.rejects(provider({ timeoutMs: 150, retry: { ...fastRetries, maxAttempts: 2 } }).gather('kafka offsets', { maxSources: 3 }), (error: unknown) => {
      assert.ok(error instanceof SearchBackendUnavailableError, String(error));
      assert.match(error.message, /did not answer within 150 ms \(SEARCH_TIMEOUT_MS\)/);
      return true;
    });
    assert.equal(tavilyApi.calls.length, 2);
  });

  it('a back end that cannot be reached is retryable', async () => {
    const gone = await startTavilyStandIn({ apiKey });
    const url = gone.url;
    await gone.stop();
    await assert.rejects(provider({ baseUrl: url }).gather('kafka offsets', { maxSources: 3 }), (error: unknown) => {
      assert.ok(error instanceof SearchBackendUnavailableError, String(error));
      assert.match(error.message, /could not be reached/);
      assert.ok(!error.message.includes(apiKey));
      return true;
    });
  });

  it('an abort ends the gather at once with the signal’s reason, and starts no more requests', async () => {
    tavilyApi.fail({ kind: 'slow', delayMs: 1500 });
    const controller = new AbortController();
    const gathering = provider().gather('kafka offsets', { maxSources: 3, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('activity cancelled')), 50);
    await assert.rejects(gathering, /activity cancelled/);
    assert.equal(tavilyApi.calls.length, 1);
    await assert.rejects(provider().gather('kafka offsets', { maxSources: 3, signal: AbortSignal.abort() }), { name: 'AbortError' });
    assert.equal(tavilyApi.calls.length, 1);
  });

  it('SEARCH_TIMEOUT_MS bounds the whole call: an answer that trickles in past it is the retryable “did not answer within”, and its connection is closed', async () => {
    const abandoned = tavilyApi.abandoned;
    tavilyApi.fail({ kind: 'trickle', forMs: 5000 });
    await assert.rejects(provider({ timeoutMs: 300, retry: oneRequest }).gather('kafka offsets', { maxSources: 3 }), (error: unknown) => {
      assert.ok(error instanceof SearchBackendUnavailableError, String(error));
      assert.match(error.message, /did not answer within 300 ms \(SEARCH_TIMEOUT_MS\)/);
      return true;
    });
    await eventually(() => tavilyApi.abandoned >= abandoned + 1, 10_000, 'the stand-in to see the trickling answer abandoned');
  });

  it('an answer larger than 4 MiB is not read whole: the provider stops reading and rejects it', async () => {
    const abandoned = tavilyApi.abandoned;
    tavilyApi.fail({ kind: 'padded', bytes: 32 * mib });
    await assert.rejects(provider({ retry: oneRequest }).gather('kafka offsets', { maxSources: 3 }), (error: unknown) => {
      assert.ok(error instanceof SearchBackendRejectedError, String(error));
      assert.match(error.message, /more than 4 MiB/);
      return true;
    });
    await eventually(() => tavilyApi.abandoned >= abandoned + 1, 10_000, 'the stand-in to see the answer abandoned');
  });

  it('a huge error page becomes a short line in the message, without the key even where the page echoes it', async () => {
    const page = `<html><body><p>upstream refused Bearer ${apiKey}</p>${'<p>Bad gateway</p>'.repeat(40_000)}</body></html>`;
    tavilyApi.fail({ kind: 'status', status: 502, body: page });
    await assert.rejects(provider({ retry: oneRequest }).gather('kafka offsets', { maxSources: 3 }), (error: unknown) => {
      assert.ok(error instanceof SearchBackendUnavailableError, String(error));
      assert.equal(error.status, 502);
      assert.ok(error.message.length < 400, `${error.message.length} chars`);
      assert.match(error.message, /upstream refused Bearer \[redacted\] Bad gateway/);
      assert.ok(!String(error.stack).includes(apiKey));
      return true;
    });
  });

  for (const body of ['{"query":"kafka","answer":null}', '"ok"', '<html><body>a login page</body></html>']) {
    it(`a 200 answer that is not Tavily’s (${body.slice(0, 14)}…) fails at once as “not a Tavily answer”`, async () => {
      tavilyApi.fail({ kind: 'raw', status: 200, body });
      await assert.rejects(provider().gather('kafka offsets', { maxSources: 3 }), (error: unknown) => {
        assert.ok(error instanceof SearchBackendRejectedError, String(error));
        assert.equal(error.status, 200);
        assert.match(error.message, /not a Tavily answer/);
        assert.match(error.message, /TAVILY_BASE_URL/);
        return true;
      });
      assert.equal(tavilyApi.calls.length, 1);
    });
  }
});
