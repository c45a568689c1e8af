import http from 'node:http';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Connection } from '@temporalio/client';
import { localInfraFromEnv } from '../../dev/infra/localInfra';
import { startCodecServer, type CodecServer } from '../../operator/codecServer/codecServer';
import { researchCompletedSchema, type ResearchCompleted } from '../../src/contracts/researchCompleted';
import { ConfigurationError } from '../../src/errors';
import { PipelineHarness } from '../support/pipelineHarness';
import { readRawHistory, type RawHistory } from '../support/rawHistory';
import { tearDown } from '../support/teardown';
import { testConfig, uniqueName } from '../support/testInfrastructure';

const token = randomBytes(24).toString('hex');
const uiOrigin = 'http://127.0.0.1:8233';

interface JsonPayloads {
  payloads: { metadata?: Record<string, string>; data?: string }[];
}

const asJson = (history: RawHistory): JsonPayloads => ({
  payloads: history.payloads.map(({ payload }) => ({
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
    data: Buffer.from(payload.data ?? []).toString('base64'),
  })),
});

/** The CLI's JSON history prints payload data as base64: every `data` and metadata value, decoded. */
function payloadTexts(json: string): string {
  const texts: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) {
      const { metadata, data } = value as { metadata?: unknown; data?: unknown };
      if (typeof data === 'string') texts.push(Buffer.from(data, 'base64').toString());
      if (typeof metadata === 'object' && metadata !== null) for (const entry of Object.values(metadata)) if (typeof entry === 'string') texts.push(Buffer.from(entry, 'base64').toString());
      Object.values(value).forEach(walk);
    }
  };
  walk(JSON.parse(json));
  return texts.join('\n');
}

const dataText = (payloads: JsonPayloads): string => payloads.payloads.map((payload) => Buffer.from(payload.data ?? '', 'base64').toString()).join('\n');

describe('the codec server (Temporal remote codec protocol) on what the worker wrote', () => {
  let harness: PipelineHarness;
  let server: CodecServer;
  let event: ResearchCompleted;
  let history: RawHistory;
  const query = `Why do ${uniqueName('quokka')} offsets need commits after acknowledgement?`;
  before(async () => {
    harness = await PipelineHarness.start({ env: { PAYLOAD_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`, CODEC_SERVER_TOKEN: token } });
    await harness.request('coded', query, { maxSearches: 2 });
    const [record] = await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === 'coded');
    event = researchCompletedSchema.parse(JSON.parse(record?.value.toString() ?? ''));
    const connection = await Connection.connect({ address: harness.config.temporal.address });
    history = await readRawHistory(connection, harness.config.temporal.namespace, event.workflowId, event.runId).finally(() => connection.close());
    server = await startCodecServer({ config: harness.config, port: 0 });
  });
  // Also after a failed before(): the harness is closed whatever the server's close threw.
  after(() =>
    tearDown(
      () => server?.close(),
      () => harness?.close(),
    ),
  );

  const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Namespace': harness.config.temporal.namespace, ...headers }, body: JSON.stringify(body) });

  it('decodes the stored history for a caller with the token: the query is readable again', async () => {
    assert.ok(!history.bytes.includes(Buffer.from(query)), 'stored encrypted');
    const encrypted = asJson(history);
    const response = await post('/decode', encrypted, { Authorization: `Bearer ${token}` });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
    const decoded = (await response.json()) as JsonPayloads;
    assert.equal(decoded.payloads.length, encrypted.payloads.length);
    assert.ok(dataText(decoded).includes(query), 'the workflow input decoded');
    assert.ok(dataText(decoded).includes(JSON.stringify(event.report.shortSummary).slice(1, -1)), 'the result decoded');
    assert.equal(Buffer.from(decoded.payloads[0]?.metadata?.encoding ?? '', 'base64').toString(), 'json/plain');
  });

  it('encodes and decodes back, also mounted below a path (only the last segment counts)', async () => {
    const plain = { payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"hello"').toString('base64') }] };
    const encoded = (await (await post('/default/encode', plain, { Authorization: `Bearer ${token}` })).json()) as JsonPayloads;
    assert.equal(Buffer.from(encoded.payloads[0]?.metadata?.encoding ?? '', 'base64').toString(), 'binary/encrypted');
    assert.equal(Buffer.from(encoded.payloads[0]?.metadata?.['encryption-key-id'] ?? '', 'base64').toString(), 'k1');
    const decoded = (await (await post('/default/decode', encoded, { Authorization: `Bearer ${token}` })).json()) as JsonPayloads;
    assert.deepEqual(decoded, plain);
  });

  it('answers 401 without a token and with a wrong one, decrypting nothing', async () => {
    for (const headers of [{}, { Authorization: 'Bearer wrong-token-wrong-token' }, { Authorization: token }] as Record<string, string>[]) {
      const response = await post('/decode', asJson(history), headers);
      assert.equal(response.status, 401, JSON.stringify(headers));
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.ok(!(await response.text()).includes(query));
    }
  });

  it('answers the Temporal UI’s CORS preflight, and only for the configured origin', async () => {
    const preflight = (origin: string): Promise<Response> =>
      fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-namespace,authorization' } });
    const allowed = await preflight(uiOrigin);
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get('access-control-allow-origin'), uiOrigin);
    assert.match(allowed.headers.get('access-control-allow-methods') ?? '', /POST/);
    for (const header of ['Authorization', 'Content-Type', 'X-Namespace']) assert.match(allowed.headers.get('access-control-allow-headers') ?? '', new RegExp(header));
    const other = await preflight('http://evil.example');
    assert.equal(other.status, 403);
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    const answered = await post('/decode', asJson(history), { Authorization: `Bearer ${token}`, Origin: uiOrigin });
    assert.equal(answered.headers.get('access-control-allow-origin'), uiOrigin, 'the answer itself carries the CORS header');
  });

  it('refuses another namespace, a body that is not payloads, and other methods or paths', async () => {
    const auth = { Authorization: `Bearer ${token}` };
    assert.equal((await post('/decode', asJson(history), { ...auth, 'X-Namespace': 'someone-else' })).status, 403);
    assert.equal((await post('/decode', { nope: true }, auth)).status, 400);
    assert.equal((await post('/decode', { payloads: [{ data: '***' }] }, auth)).status, 400);
    assert.equal((await fetch(`${server.url}/decode`, { headers: auth })).status, 405);
    assert.equal((await post('/other', asJson(history), auth)).status, 404);
  });

  it('answers a payload naming a key it lacks with 400 naming that key only, never the key ids configured here', async () => {
    const tampered = asJson(history);
    const first = tampered.payloads.find((payload) => payload.metadata?.['encryption-key-id']);
    assert.ok(first);
    first.metadata = { ...first.metadata, 'encryption-key-id': Buffer.from('gone').toString('base64') };
    const refused = await post('/decode', tampered, { Authorization: `Bearer ${token}` });
    assert.equal(refused.status, 400);
    const answer = await refused.text();
    assert.match(answer, /key "gone", which is not configured here/);
    // The harness configures one key, k1: a caller holding the token still learns nothing of the key list.
    assert.ok(!answer.includes('k1'), `the configured key id is not in the answer: ${answer}`);
    assert.doesNotMatch(answer, /PAYLOAD_ENCRYPTION_KEYS/);
  });

  it('lets `temporal workflow show --codec-endpoint … --codec-auth` print the decoded history', async () => {
    const temporalCli = await localInfraFromEnv().temporal.resolveBinary();
    const show = (extra: string[]): Promise<string> =>
      promisify(execFile)(temporalCli, ['workflow', 'show', '--address', harness.config.temporal.address, '-w', event.workflowId, '--output', 'json', ...extra], { maxBuffer: 64 * 1024 * 1024 }).then(({ stdout }) => stdout);
    assert.ok(!payloadTexts(await show([])).includes(query), 'without the codec, its payloads are ciphertext');
    const decoded = payloadTexts(await show(['--codec-endpoint', server.url, '--codec-auth', `Bearer ${token}`]));
    assert.ok(decoded.includes(query), 'with it, the workflow input shows the query');
    assert.ok(decoded.includes('binary/encrypted') === false, 'every payload decoded');
  });
});

describe('starting the codec server', () => {
  const keys = `k1:${randomBytes(32).toString('base64')}`;
  const refusal = (env: NodeJS.ProcessEnv, host?: string): Promise<ConfigurationError> =>
    startCodecServer({ config: testConfig(env), port: 0, ...(host ? { host } : {}) }).then(
      async (server) => {
        await server.close();
        return assert.fail('it started');
      },
      (error: unknown) => {
        assert.ok(error instanceof ConfigurationError, String(error));
        return error;
      },
    );

  it('refuses without keys, and without a token unless on loopback and explicitly allowed', async () => {
    assert.match((await refusal({ CODEC_SERVER_TOKEN: token })).message, /needs the encryption keys: set PAYLOAD_ENCRYPTION_KEYS/);
    assert.match((await refusal({ PAYLOAD_ENCRYPTION_KEYS: keys })).message, /CODEC_SERVER_TOKEN is not set/);
    assert.match((await refusal({ PAYLOAD_ENCRYPTION_KEYS: keys, CODEC_SERVER_ALLOW_NO_TOKEN: 'true' }, '0.0.0.0')).message, /CODEC_SERVER_ALLOW_NO_TOKEN is honoured on a loopback address only, not on 0\.0\.0\.0/);
    const open = await startCodecServer({ config: testConfig({ PAYLOAD_ENCRYPTION_KEYS: keys, CODEC_SERVER_ALLOW_NO_TOKEN: 'true' }), port: 0 });
    try {
      assert.match(open.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await fetch(`${open.url}/encode`, { method: 'POST', body: JSON.stringify({ payloads: [] }) });
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { payloads: [] });
      // Without a token, a page elsewhere gets nothing: not by a rebound name, not by its own origin.
      const port = new URL(open.url).port;
      const rebound = await new Promise<number>((resolve, reject) => {
        const request = http.request({ host: '127.0.0.1', port, path: '/decode', method: 'POST', headers: { Host: `evil.example:${port}` } }, (answer) => resolve(answer.statusCode ?? 0));
        request.on('error', reject);
        request.end(JSON.stringify({ payloads: [] }));
      });
      assert.equal(rebound, 403, 'a request naming a host other than a loopback one');
      const foreign = await fetch(`${open.url}/decode`, { method: 'POST', headers: { Origin: 'https://evil.example' }, body: JSON.stringify({ payloads: [] }) });
      assert.equal(foreign.status, 403, 'a request from a foreign origin');
    } finally {
      await open.close();
    }
  });

  it('refuses a CORS origin without an http(s) host ("null" is any sandboxed page’s origin)', () => {
    for (const origins of ['file:///tmp/ui.html', 'localhost:8233', 'null']) {
      assert.throws(() => testConfig({ CODEC_SERVER_CORS_ORIGINS: origins }), /CODEC_SERVER_CORS_ORIGINS/, origins);
    }
    assert.deepEqual(testConfig({ TEMPORAL_UI_URL: 'http://localhost:8233' }).codecServer.corsOrigins, ['http://localhost:8233', 'http://127.0.0.1:8233']);
  });
});

