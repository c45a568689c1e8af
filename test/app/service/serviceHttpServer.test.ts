import http from 'node:http';
import net from 'node:net';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ServiceHttpServer, type ServiceHttpRoutes } from '../../../app/service/serviceHttpServer';
import type { ServiceHttpSettings } from '../../../src/config/serviceHttpSettings';
import { researchCompletedSchema } from '../../../src/contracts/researchCompleted';
import { silentLogger } from '../../../src/logging/logger';
import { PipelineHarness } from '../../support/pipelineHarness';
import { parsePrometheusText, samplesOf, sumOf, type PrometheusSample } from '../../support/prometheusText';
import { TcpProxy } from '../../support/tcpProxy';
import { tearDown } from '../../support/teardown';
import { eventually, testConfig } from '../../support/testInfrastructure';

interface Answer {
  readonly status: number;
  readonly type: string;
  readonly text: string;
}

async function get(port: number, path: string, method = 'GET'): Promise<Answer> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method });
  return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
}

/** The status of a request sent as written (fetch would normalise the target). */
function rawStatus(port: number, target: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: target }, (response) => {
      response.resume();
      resolve(response.statusCode);
    }).on('error', reject);
  });
}

interface ProbeBody {
  readonly ready?: boolean;
  readonly alive?: boolean;
  readonly failed?: string[];
  readonly checks: Record<string, { ok: boolean; detail: string }>;
}

function probeBody(answer: Answer): ProbeBody {
  return JSON.parse(answer.text) as ProbeBody;
}

async function scrape(port: number): Promise<PrometheusSample[]> {
  const answer = await get(port, '/metrics');
  assert.equal(answer.status, 200);
  assert.match(answer.type, /^text\/plain/);
  return parsePrometheusText(answer.text);
}

function portOf(harness: PipelineHarness): number {
  const port = harness.service?.httpPort;
  assert.ok(port !== undefined && port > 0, 'the service listens on a port of its own (SERVICE_HTTP_PORT=0)');
  return port;
}

describe('the service HTTP port of a running service', () => {
  let harness: PipelineHarness;
  before(async () => {
    harness = await PipelineHarness.start({ env: { SERVICE_HTTP_PORT: '0', SERVICE_HTTP_HOST: '127.0.0.1' } });
  });
  after(async () => {
    await (harness as PipelineHarness | undefined)?.close();
  });

  it('after a good and a bad request, /metrics shows the records, the start, the dead letter, the run, the tokens per agent and model, the cost and the lag; /healthz and /readyz answer 200', async () => {
    const port = portOf(harness);
    const ready = await eventually(async () => {
      const answer = await get(port, '/readyz');
      return answer.status === 200 ? answer : undefined;
    }, 30_000, '/readyz to answer 200');
    assert.match(ready.type, /^application\/json/);
    const readiness = probeBody(ready);
    assert.equal(readiness.ready, true);
    assert.deepEqual(Object.keys(readiness.checks).sort(), ['consumer', 'temporal', 'worker']);
    assert.ok(Object.values(readiness.checks).every((check) => check.ok));
    assert.match(readiness.checks.consumer?.detail ?? '', new RegExp(`joined consumer group ${harness.config.consumerGroupId}; partitions 0,1,2`));
    assert.match(readiness.checks.worker?.detail ?? '', new RegExp(`polling task queue ${harness.config.temporal.taskQueue}`));

    await harness.request('metered', 'How do Prometheus histograms bucket observations?', { maxSearches: 2 });
    await harness.produceRaw('broken', 'this is {not json');
    const [record] = await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === 'metered');
    assert.ok(record);
    const event = researchCompletedSchema.parse(JSON.parse(record.value.toString()));
    await harness.recorder.waitFor(harness.config.topics.deadLetter, 1);

    const topic = harness.config.topics.requested;
    const group = harness.config.consumerGroupId;
    const where = { messaging_destination_name: topic, messaging_consumer_group_name: group };
    // The run is counted once its result is sent; the lag once the group has committed.
    const samples = await eventually(async () => {
      const scraped = await scrape(port);
      const counted = sumOf(scraped, 'research_relay_runs_total', { outcome: 'completed' }) === 1;
      const lags = samplesOf(scraped, 'research_relay_consumer_lag', where);
      return counted && lags.length === 3 && lags.every((lag) => lag.value === 0) ? scraped : undefined;
    }, 30_000, 'the completed run and a zero lag on each partition in the scrape');

    assert.equal(sumOf(samples, 'research_relay_ingest_records_total', where), 2, 'two records ingested');
    assert.equal(sumOf(samples, 'research_relay_ingest_starts_total', { ...where, result: 'new' }), 1, 'one new start');
    assert.equal(sumOf(samples, 'research_relay_ingest_starts_total', { ...where, result: 'duplicate' }), 0);
    assert.equal(sumOf(samples, 'research_relay_dead_letters_total', { ...where, reason: 'not-json' }), 1, 'one dead letter, with its reason');
    assert.equal(sumOf(samples, 'research_relay_runs_total', { outcome: 'failed' }), 0);
    assert.equal(sumOf(samples, 'research_relay_run_duration_count', { outcome: 'completed' }), 1);
    assert.equal(sumOf(samples, 'research_relay_run_duration_sum', { outcome: 'completed' }), event.timings.durationMs / 1000);
    assert.deepEqual(samplesOf(samples, 'research_relay_consumer_lag', where).map((lag) => lag.labels.messaging_destination_partition_id).sort(), ['0', '1', '2']);

    const { models } = harness.config.llm;
    const answers = { planner: 1, searcher: 2, writer: 1 } as const;
    for (const [agent, count] of Object.entries(answers)) {
      const model = models[agent as keyof typeof models];
      const call = { gen_ai_agent_name: agent, gen_ai_request_model: model, gen_ai_operation_name: 'chat' };
      for (const type of ['input', 'output']) {
        assert.equal(sumOf(samples, 'gen_ai_client_token_usage_count', { ...call, gen_ai_token_type: type }), count, `${count} ${type} token figure(s) of the ${agent} (${model})`);
      }
      assert.equal(sumOf(samples, 'gen_ai_client_operation_duration_count', call), count, `${count} timed call(s) of the ${agent}`);
      assert.ok(sumOf(samples, 'research_relay_llm_cost_total', { gen_ai_agent_name: agent, gen_ai_request_model: model }) > 0, `a cost for the ${agent}`);
    }
    assert.equal(sumOf(samples, 'gen_ai_client_token_usage_sum', { gen_ai_token_type: 'input' }), event.usage.total.inputTokens, 'input tokens add up to the run\'s usage');
    assert.equal(sumOf(samples, 'gen_ai_client_token_usage_sum', { gen_ai_token_type: 'output' }), event.usage.total.outputTokens, 'output tokens add up to the run\'s usage');
    // The event's total is rounded to a millionth of a dollar.
    assert.ok(Math.abs(sumOf(samples, 'research_relay_llm_cost_total') - event.usage.total.estimatedCostUsd) <= 5e-7, 'the cost adds up to the run\'s estimate');

    const health = await get(port, '/healthz');
    assert.equal(health.status, 200);
    assert.equal(probeBody(health).alive, true);
    const stillReady = await get(port, '/readyz');
    assert.equal(stillReady.status, 200, stillReady.text);
    assert.equal((await get(port, '/nothing-here')).status, 404);
    assert.equal((await get(port, '/metrics', 'POST')).status, 405);
    assert.equal(await rawStatus(port, '//['), 400, 'a target that is not a path is a bad request, not a server error');
  });
});

describe('/readyz of a service that loses a part', () => {
  let harness: PipelineHarness;
  let proxy: TcpProxy;
  before(async () => {
    const [host = '127.0.0.1', port = '7233'] = testConfig().temporal.address.split(':');
    proxy = await TcpProxy.start({ host, port: Number(port) });
    // Consumer only: its Temporal client is the connection cut (a worker would only add its polling's retry warnings).
    harness = await PipelineHarness.start({ roles: { consumer: true, worker: false }, env: { SERVICE_HTTP_PORT: '0', TEMPORAL_ADDRESS: proxy.address } });
  });
  // Also after a failed before(): the proxy is cut whatever the harness's close threw.
  after(() =>
    tearDown(
      () => (proxy as TcpProxy | undefined)?.restore(),
      () => (harness as PipelineHarness | undefined)?.close(),
      () => (proxy as TcpProxy | undefined)?.cut(),
    ),
  );

  it('answers 503 naming temporal while Temporal is unreachable (alive all the while, the waiting request counted in the lag), 200 once it is back, and 503 naming shutdown as soon as the service stops', async () => {
    const port = portOf(harness);
    await eventually(async () => (await get(port, '/readyz')).status === 200 || undefined, 30_000, '/readyz to answer 200');

    await proxy.cut();
    const unready = await eventually(async () => {
      const answer = await get(port, '/readyz');
      return answer.status === 503 ? answer : undefined;
    }, 30_000, '/readyz to answer 503');
    const body = probeBody(unready);
    assert.equal(body.ready, false);
    assert.deepEqual(body.failed, ['temporal']);
    assert.match(body.checks.temporal?.detail ?? '', /^unreachable/);
    assert.equal(body.checks.consumer?.ok, true, 'the consumer is still in its group');
    assert.equal((await get(port, '/healthz')).status, 200, 'an unreachable Temporal is no reason to restart the process');

    // The lag comes from the brokers, not from what the stuck consumer fetched: it shows the waiting request.
    const lag = { messaging_destination_name: harness.config.topics.requested };
    await harness.request('waiting', 'Does the lag grow while Temporal is away?', { maxSearches: 1 });
    await eventually(async () => sumOf(await scrape(port), 'research_relay_consumer_lag', lag) === 1 || undefined, 30_000, 'a lag of 1 while the start waits');

    await proxy.restore();
    await eventually(async () => (await get(port, '/readyz')).status === 200 || undefined, 60_000, '/readyz to answer 200 again');
    await eventually(async () => sumOf(await scrape(port), 'research_relay_consumer_lag', lag) === 0 || undefined, 60_000, 'the lag back to 0 once the run started');

    const service = harness.service;
    assert.ok(service);
    const stopped = service.stop();
    const stopping = await get(port, '/readyz');
    assert.equal(stopping.status, 503);
    assert.deepEqual(probeBody(stopping).failed, ['shutdown']);
    await stopped;
    await assert.rejects(get(port, '/healthz'), 'the port is closed once the service has stopped');
  });
});

/** Routes that always answer: these tests are about the port, not the service behind it. */
const healthyRoutes: ServiceHttpRoutes = {
  liveness: () => ({ process: { ok: true, detail: 'alive' } }),
  readiness: () => Promise.resolve({ process: { ok: true, detail: 'ready' } }),
  metrics: (_request, response) => response.end('# no metrics\n'),
};

/** Settles with the promise, or fails naming what did not happen within the deadline. */
async function within<T>(promise: Promise<T>, deadlineMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${deadlineMs} ms`)), deadlineMs);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** A GET through `agent` (one kept-alive connection per agent): its status and Connection header. */
function getVia(port: number, path: string, agent: http.Agent, method = 'GET', body?: string): Promise<{ status?: number; connection?: string }> {
  return new Promise((resolve, reject) => {
    const headers = body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {};
    const request = http.request({ host: '127.0.0.1', port, path, method, agent, headers }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode, connection: response.headers.connection }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** A raw connection: resolves with what the server sent once it either sent something or closed. */
function firstAnswerOrClose(port: number, send: string): Promise<{ received: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(send));
    socket.on('data', (chunk: Buffer) => {
      resolve({ received: chunk.toString(), closed: false });
      socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ received: '', closed: true }));
  });
}

describe('the service HTTP port against slow, crowding and body-sending clients', () => {
  const servers: ServiceHttpServer[] = [];
  const start = async (settings: Partial<ServiceHttpSettings>): Promise<number> => {
    const server = await ServiceHttpServer.start({ host: '127.0.0.1', port: 0, ...settings }, healthyRoutes, silentLogger);
    servers.push(server);
    return server.port;
  };
  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  it('disconnects a client that sends its headers byte by byte once the header timeout passes (408), and still answers a probe', async () => {
    const port = await start({ limits: { headersTimeoutMs: 500, requestTimeoutMs: 1000 } });
    const socket = net.connect({ host: '127.0.0.1', port });
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    // One more header byte every 100 ms, for as long as the server keeps listening: the headers never end.
    const drip = setInterval(() => socket.writable && socket.write('a'), 100);
    try {
      // Node's own default would wait 60 s (plus up to 30 s until it checks).
      await within(closed, 20_000, 'disconnection of the slow client');
    } finally {
      clearInterval(drip);
      socket.destroy();
    }
    assert.match(received, /^HTTP\/1\.1 408 /, 'the server gave up on the request');
    assert.equal((await get(port, '/healthz')).status, 200);
  });

  it('closes connections past SERVICE_HTTP_MAX_CONNECTIONS as they arrive, while a probe on a connection inside the cap still answers', async () => {
    const port = await start({ maxConnections: 2, limits: { keepAliveTimeoutMs: 60_000 } });
    const first = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const second = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // Two kept-alive connections, each answered: both are counted by the server.
      assert.equal((await getVia(port, '/healthz', first)).status, 200);
      assert.equal((await getVia(port, '/readyz', second)).status, 200);
      const third = await within(firstAnswerOrClose(port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'), 20_000, 'answer or close of the third connection');
      assert.deepEqual(third, { received: '', closed: true }, 'the connection past the cap is closed unanswered');
      assert.equal((await getVia(port, '/readyz', first)).status, 200, 'a probe inside the cap still answers');
      first.destroy();
      // The server frees the slot when it sees the close: until then a new connection is dropped too.
      const served = async () => (await getVia(port, '/healthz', new http.Agent()).catch(() => undefined))?.status === 200 || undefined;
      await eventually(served, 20_000, 'a new connection to be served once one closed');
    } finally {
      first.destroy();
      second.destroy();
    }
  });

  it('refuses other methods and requests with a body, closing the connection instead of reading the body', async () => {
    const port = await start({});
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.deepEqual(await getVia(port, '/metrics', agent, 'POST', 'x'.repeat(10_000)), { status: 405, connection: 'close' });
      assert.deepEqual(await getVia(port, '/healthz', agent, 'GET', 'a body'), { status: 413, connection: 'close' });
      assert.deepEqual(await getVia(port, '/healthz', agent), { status: 200, connection: 'keep-alive' });
    } finally {
      agent.destroy();
    }
  });
});
