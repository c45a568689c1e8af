import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { runCli, startCli } from '../../support/cliRunner';

const keys = `k1:${randomBytes(32).toString('base64')}`;
const token = randomBytes(24).toString('hex');

describe('research-relay codec-server', () => {
  it('answers --help, and rejects a wrong flag or a bad --port with exit 2 and its usage', async () => {
    const help = await runCli(['codec-server', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: research-relay codec-server/);
    assert.match(help.stdout, /--codec-endpoint http:\/\/127\.0\.0\.1:8234 --codec-auth "Bearer \$CODEC_SERVER_TOKEN"/);
    const wrong = await runCli(['codec-server', '--no-such-flag']);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /Unknown option '--no-such-flag'/);
    assert.match(wrong.stderr, /Usage: research-relay codec-server/);
    const port = await runCli(['codec-server', '--port', 'eighty']);
    assert.equal(port.code, 2);
    assert.match(port.stderr, /--port must be 0-65535 \(got "eighty"\)/);
    assert.match((await runCli(['--help'])).stdout, /codec-server/);
  });

  it('refuses to start without a token (exit 1, naming CODEC_SERVER_TOKEN) and never prints a key', async () => {
    const refused = await runCli(['codec-server', '--port', '0'], { PAYLOAD_ENCRYPTION_KEYS: keys, CODEC_SERVER_TOKEN: '' });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /CODEC_SERVER_TOKEN is not set/);
    const short = await runCli(['codec-server'], { PAYLOAD_ENCRYPTION_KEYS: 'k1:c2hvcnQ=' });
    assert.equal(short.code, 1);
    assert.match(short.stderr, /PAYLOAD_ENCRYPTION_KEYS: key "k1" must be 32 bytes in base64 \(got 5\)/);
    assert.ok(!short.stderr.includes('c2hvcnQ='));
  });

  it('serves the codec endpoint until SIGTERM, then exits 0', async () => {
    const child = startCli(['codec-server', '--port', '0', '--host', '127.0.0.1', '--json'], { PAYLOAD_ENCRYPTION_KEYS: keys, CODEC_SERVER_TOKEN: token });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('\n')) resolve(stdout.split('\n')[0] ?? '');
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    const { url, namespace } = JSON.parse(line) as { url: string; namespace: string };
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(namespace, 'default');
    const plain = { payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"secret words"').toString('base64') }] };
    const encoded = await fetch(`${url}/encode`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: JSON.stringify(plain) });
    assert.equal(encoded.status, 200);
    const body = (await encoded.json()) as { payloads: { metadata: Record<string, string> }[] };
    assert.equal(Buffer.from(body.payloads[0]?.metadata.encoding ?? '', 'base64').toString(), 'binary/encrypted');
    assert.equal((await fetch(`${url}/decode`, { method: 'POST', body: JSON.stringify(body) })).status, 401);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0, stderr);
    assert.ok(!stderr.includes(token) && !stdout.includes(token), 'the token is never printed');
  });
});
