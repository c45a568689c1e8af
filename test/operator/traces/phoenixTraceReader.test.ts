import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createPhoenixTraceReader, type PhoenixTraceReader } from '../../../operator/traces/phoenixTraceReader';
import { PhoenixResponseError, PhoenixUnavailableError } from '../../../src/errors';
import { eventually } from '../../support/eventually';
import { exportRunTrace, runShapedSpans, type ExportedRunTrace } from '../../support/runShapedTrace';
import { uniqueName } from '../../support/testInfrastructure';
import { freePorts, testPhoenix, type TestPhoenix } from '../../support/testPhoenix';

describe('reading traces from Phoenix’s REST API', () => {
  let phoenix: TestPhoenix;
  let reader: PhoenixTraceReader;
  let exported: ExportedRunTrace;
  const projectName = uniqueName('trace-reader');
  const requestId = uniqueName('reader-request');

  before(async () => {
    phoenix = await testPhoenix();
    // Four spans a page: the run's 19 spans take five pages.
    reader = createPhoenixTraceReader({ url: phoenix.url, projectName }, { pageSize: 4 });
    exported = await exportRunTrace(phoenix.otlpHttpEndpoint, projectName, runShapedSpans(requestId));
    await eventually(async () => ((await reader.spansOfTrace(exported.traceId))?.length === exported.spans.length ? true : undefined), 30_000, 'the exported spans in Phoenix');
  });
  after(async () => {
    // Also after a failed before(): what was started is stopped, what was made is deleted.
    await (phoenix as TestPhoenix | undefined)?.dropProject(projectName);
    await (phoenix as TestPhoenix | undefined)?.close();
  });

  it('reads every span of a trace across pages, in start order, with parents, kinds, statuses, flat attributes and microsecond times', async () => {
    const spans = (await reader.spansOfTrace(exported.traceId)) ?? [];
    const planned = [...exported.spans].sort((a, b) => a.startMs - b.startMs);
    assert.deepEqual(spans.map((span) => [span.name, span.spanId, span.parentId]), planned.map((span) => [span.name, span.spanId, span.parentSpanId]));
    const first = spans[0];
    assert.ok(first);
    assert.deepEqual(spans.map((span) => (span.startUs - first.startUs) / 1000), planned.map((span) => span.startMs));
    const planner = spans.find((span) => span.attributes['gen_ai.agent.name'] === 'planner');
    assert.equal(planner?.kind, 'LLM');
    assert.equal(planner?.attributes['llm.token_count.prompt'], 812);
    assert.equal(planner?.attributes['session.id'], requestId);
    const failed = spans.filter((span) => span.status === 'ERROR');
    assert.deepEqual(failed.map((span) => span.statusMessage), ['rate limited (429)']);
  });

  it('finds the trace of a session (the request id), none for an unknown one, and answers undefined for a project Phoenix does not have', async () => {
    assert.deepEqual((await reader.tracesOfSession(requestId))?.map((trace) => trace.traceId), [exported.traceId]);
    assert.deepEqual(await reader.tracesOfSession('never-sent'), []);
    const elsewhere = createPhoenixTraceReader({ url: phoenix.url, projectName: uniqueName('no-such-project') });
    assert.equal(await elsewhere.tracesOfSession(requestId), undefined);
    assert.equal(await elsewhere.spansOfTrace(exported.traceId), undefined);
  });

  it('says which server and variable when Phoenix cannot be reached or does not answer in time', async () => {
    const [closed] = await freePorts(1);
    const unreachable = createPhoenixTraceReader({ url: `http://127.0.0.1:${closed}`, projectName });
    await assert.rejects(unreachable.tracesOfSession(requestId), (error: unknown) => {
      assert.ok(error instanceof PhoenixUnavailableError);
      assert.equal(error.retryable, true);
      assert.match(error.message, new RegExp(`^cannot reach Phoenix at http://127\\.0\\.0\\.1:${closed} \\(PHOENIX_URL\\): .*ECONNREFUSED`));
      return true;
    });
    await withServer(() => undefined, async (url) => {
      const silent = createPhoenixTraceReader({ url, projectName }, { timeoutMs: 300 });
      await assert.rejects(silent.spansOfTrace(exported.traceId), /cannot reach Phoenix at .* \(PHOENIX_URL\): no answer within 0\.3 s/);
    });
  });

  it('turns a body that stalls or a connection that breaks mid-body into "cannot reach Phoenix", never a raw error', async () => {
    await withServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"data": ['); // and nothing more
    }, async (url) => {
      await assert.rejects(createPhoenixTraceReader({ url, projectName }, { timeoutMs: 300 }).spansOfTrace(exported.traceId), (error: unknown) => {
        assert.ok(error instanceof PhoenixUnavailableError, String(error));
        assert.match(error.message, /no answer within 0\.3 s/);
        return true;
      });
    });
    await withServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      response.write('{"data": [', () => response.socket?.destroy());
    }, async (url) => {
      await assert.rejects(createPhoenixTraceReader({ url, projectName }).spansOfTrace(exported.traceId), PhoenixUnavailableError);
    });
  });

  it('shows span names and messages without control characters: nobody writes escape sequences to an operator’s terminal', async () => {
    const span = { name: 'evil\u001b[2J\u001b]0;owned\u0007name', context: { trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) }, parent_id: null, start_time: '2026-01-01T00:00:00+00:00', end_time: '2026-01-01T00:00:01+00:00', status_message: 'line one\nline\u001b[31m two', attributes: {} };
    await withServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: [span], next_cursor: null })), async (url) => {
      const [read] = (await createPhoenixTraceReader({ url, projectName }).spansOfTrace('a'.repeat(32))) ?? [];
      assert.equal(read?.name, 'evil?[2J?]0;owned?name');
      assert.equal(read?.statusMessage, 'line one\nline?[31m two');
    });
  });

  it('stops paging a server that hands out new cursors without end', async () => {
    let pages = 0;
    await withServer((_request, response) => {
      pages += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: [], next_cursor: `c${pages}` }));
    }, async (url) => {
      await assert.rejects(createPhoenixTraceReader({ url, projectName }).spansOfTrace('a'.repeat(32)), /kept paging/);
    });
    assert.equal(pages, 1001);
  });

  it('sends PHOENIX_API_KEY as a bearer token, and says so when Phoenix refuses it or answers with something that is not its API', async () => {
    const authorizations: (string | undefined)[] = [];
    await withServer((request, response) => {
      authorizations.push(request.headers.authorization);
      response.writeHead(401).end('unauthorized');
    }, async (url) => {
      await assert.rejects(createPhoenixTraceReader({ url, projectName }).tracesOfSession(requestId), /refused .* \(401\): this Phoenix wants an API key: set PHOENIX_API_KEY/);
      await assert.rejects(createPhoenixTraceReader({ url, projectName, apiKey: 'key-1' }).tracesOfSession(requestId), /PHOENIX_API_KEY was not accepted/);
    });
    assert.deepEqual(authorizations, [undefined, 'Bearer key-1']);
    await withServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>a login page</html>'), async (url) => {
      await assert.rejects(createPhoenixTraceReader({ url, projectName }).spansOfTrace(exported.traceId), (error: unknown) => {
        assert.ok(error instanceof PhoenixResponseError);
        assert.match(error.message, /answered .*\/spans with something that is not its API's list \(is PHOENIX_URL Phoenix's base URL\?\)/);
        return true;
      });
    });
  });
});

/** A local HTTP server for one check: `answer` may leave a request unanswered. */
async function withServer(answer: (request: http.IncomingMessage, response: http.ServerResponse) => void, check: (url: string) => Promise<void>): Promise<void> {
  const server = http.createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await check(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
