import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI, { InternalServerError } from 'openai';
import type { RecordedCall } from '../../../dev/standIn';

const repoRoot = path.resolve(__dirname, '../../..');
const entry = path.join('dev', 'standIn', 'standInMain.ts');

/** Starts the stand-in as its own process, the way another test process or a developer would. */
function startMain(args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: 'pipe',
  });
}

function collect(stream: NodeJS.ReadableStream): () => string {
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    text += chunk;
  });
  return () => text;
}

describe('the stand-in as a separate process', () => {
  let child: ChildProcessWithoutNullStreams;
  let stdout: () => string;
  let baseUrl: string;

  before(async () => {
    child = startMain(['--port', '0'], {
      STANDIN_FAULTS: JSON.stringify({ rules: [{ sequence: [{ kind: 'status', status: 503 }] }] }),
    });
    stdout = collect(child.stdout);
    collect(child.stderr);
    const deadline = Date.now() + 15_000;
    let match: RegExpExecArray | null = null;
    while (!(match = /listening at (http:\/\/\S+\/v1)/.exec(stdout())) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.ok(match?.[1], `no base URL printed: ${stdout()}`);
    baseUrl = match[1];
  });

  after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('applies STANDIN_FAULTS, takes a new plan over PUT /__standin/faults, and reports calls over HTTP', async () => {
    const client = new OpenAI({ baseURL: baseUrl, apiKey: 'sk-test', maxRetries: 0 });
    await assert.rejects(client.responses.create({ model: 'gpt-4.1', input: 'tidal energy' }), InternalServerError);
    assert.ok((await client.responses.create({ model: 'gpt-4.1', input: 'tidal energy' })).output_text.length > 0);

    const put = await fetch(new URL('/__standin/faults', baseUrl), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rules: [{ match: { inputIncludes: 'tidal' }, sequence: [{ kind: 'malformed' }] }] }),
    });
    assert.equal(put.status, 200);
    const malformed = await client.responses.create({
      model: 'gpt-4.1',
      input: 'tidal energy',
      text: { format: { type: 'json_schema', name: 'plan', schema: { type: 'object', properties: {} } } },
    });
    assert.throws(() => JSON.parse(malformed.output_text) as unknown, SyntaxError);

    const rejected = await fetch(new URL('/__standin/faults', baseUrl), { method: 'PUT', body: '{"rules":[{"sequence":[]}]}' });
    assert.equal(rejected.status, 400);

    const calls = (await (await fetch(new URL('/__standin/calls', baseUrl))).json()) as RecordedCall[];
    assert.deepEqual(
      calls.map((call) => [call.status, call.fault ?? null]),
      [[503, 'status'], [200, null], [200, 'malformed']],
    );
  });

  it('stops cleanly on SIGTERM', async () => {
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
    assert.match(stdout(), /stand-in stopped \(SIGTERM\)/);
  });

  it('refuses an unknown flag with exit code 2 and says which flag', async () => {
    const bad = startMain(['--bogus']);
    const stderr = collect(bad.stderr);
    collect(bad.stdout);
    const [code] = (await once(bad, 'exit')) as [number | null];
    assert.equal(code, 2);
    assert.match(stderr(), /Unknown option '--bogus'/);
    assert.match(stderr(), /Usage:/);
  });
});
