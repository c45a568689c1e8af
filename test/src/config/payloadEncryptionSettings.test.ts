import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadRelayConfig } from '../../../src/config/relayConfig';
import { ConfigurationError } from '../../../src/errors';
import { createLogger } from '../../../src/logging/logger';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');

/** The configuration error for this environment (the test fails if there is none). */
function configurationError(env: NodeJS.ProcessEnv): ConfigurationError {
  try {
    loadRelayConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigurationError, `a ConfigurationError, got ${String(error)}`);
    return error;
  }
  assert.fail('the configuration was accepted');
}

describe('payload encryption keys in the configuration', () => {
  it('is off without keys, and on with keys: the current key is the last listed unless PAYLOAD_ENCRYPTION_KEY_ID names one', () => {
    assert.equal(loadRelayConfig({}).temporal.payloadEncryption, undefined);
    const last = loadRelayConfig({ PAYLOAD_ENCRYPTION_KEYS: `a:${keyA}, b:${keyB}` }).temporal.payloadEncryption;
    assert.equal(last?.currentKeyId, 'b');
    assert.deepEqual([...(last?.keys.keys() ?? [])], ['a', 'b']);
    const named = loadRelayConfig({ PAYLOAD_ENCRYPTION_KEYS: `a:${keyA},b:${keyB}`, PAYLOAD_ENCRYPTION_KEY_ID: 'a' }).temporal.payloadEncryption;
    assert.equal(named?.currentKeyId, 'a');
    assert.equal(named?.keys.get('a')?.export().toString('base64'), keyA);
  });

  it('reads the keys from PAYLOAD_ENCRYPTION_KEYS_FILE, one per line, # comments allowed', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'keys-')), 'payload-keys');
    fs.writeFileSync(file, `# rotated 2026-11\nold:${keyA}\nnew:${keyB}\n`);
    const settings = loadRelayConfig({ PAYLOAD_ENCRYPTION_KEYS_FILE: file }).temporal.payloadEncryption;
    assert.equal(settings?.currentKeyId, 'new');
    assert.equal(settings?.keys.size, 2);
    assert.match(configurationError({ PAYLOAD_ENCRYPTION_KEYS_FILE: `${file}.missing` }).message, /PAYLOAD_ENCRYPTION_KEYS_FILE: cannot read .*ENOENT/);
  });

  it('refuses a key that is not 32 bytes, naming the variable and the key id but never the key', () => {
    const short = randomBytes(16).toString('base64');
    const error = configurationError({ PAYLOAD_ENCRYPTION_KEYS: `a:${keyA},short:${short}` });
    assert.match(error.message, /PAYLOAD_ENCRYPTION_KEYS: key "short" must be 32 bytes in base64 \(got 16\)/);
    assert.ok(!error.message.includes(short) && !error.message.includes(keyA), 'no key material in the error');
    assert.match(configurationError({ PAYLOAD_ENCRYPTION_KEYS: 'a:not*base64' }).message, /PAYLOAD_ENCRYPTION_KEYS: key "a" is not base64/);
  });

  it('refuses a current key id that is not listed, duplicate ids, and entries without an id', () => {
    assert.match(configurationError({ PAYLOAD_ENCRYPTION_KEYS: `a:${keyA}`, PAYLOAD_ENCRYPTION_KEY_ID: 'b' }).message, /PAYLOAD_ENCRYPTION_KEY_ID: names key "b", which PAYLOAD_ENCRYPTION_KEYS does not list \(it lists a\)/);
    assert.match(configurationError({ PAYLOAD_ENCRYPTION_KEY_ID: 'b' }).message, /PAYLOAD_ENCRYPTION_KEY_ID: is set but no keys are configured/);
    assert.match(configurationError({ PAYLOAD_ENCRYPTION_KEYS: `a:${keyA},a:${keyB}` }).message, /PAYLOAD_ENCRYPTION_KEYS: key id "a" is listed twice/);
    assert.match(configurationError({ PAYLOAD_ENCRYPTION_KEYS: keyA }).message, /PAYLOAD_ENCRYPTION_KEYS: entry 1 is not keyId:base64key/);
    assert.match(configurationError({ PAYLOAD_ENCRYPTION_KEYS: `a:${keyA}`, PAYLOAD_ENCRYPTION_KEYS_FILE: '/tmp/k' }).message, /either PAYLOAD_ENCRYPTION_KEYS or PAYLOAD_ENCRYPTION_KEYS_FILE/);
  });

  it('registers the keys as secrets: a log line that contains one shows [redacted]', () => {
    const key = randomBytes(32).toString('base64');
    loadRelayConfig({ PAYLOAD_ENCRYPTION_KEYS: `k:${key}` });
    const lines: string[] = [];
    createLogger({ level: 'info', name: 'test', write: (line) => lines.push(line) }).info(`oops ${key}`, { env: `k:${key}` });
    assert.ok(lines[0]?.includes('[redacted]'));
    assert.ok(!lines[0]?.includes(key));
  });

  it('validates the codec server variables: port, token length, CORS origins (default: the Temporal UI origin, and its loopback twin)', () => {
    assert.deepEqual(loadRelayConfig({}).codecServer, { host: '127.0.0.1', port: 8234, allowNoToken: false, corsOrigins: ['http://127.0.0.1:8233', 'http://localhost:8233'] });
    assert.deepEqual(loadRelayConfig({ TEMPORAL_UI_URL: 'http://localhost:9000/ui' }).codecServer.corsOrigins, ['http://localhost:9000', 'http://127.0.0.1:9000']);
    assert.deepEqual(loadRelayConfig({ TEMPORAL_UI_URL: 'https://temporal.example.com/' }).codecServer.corsOrigins, ['https://temporal.example.com']);
    assert.deepEqual(loadRelayConfig({ CODEC_SERVER_CORS_ORIGINS: 'https://ui.example.com/, http://127.0.0.1:8233' }).codecServer.corsOrigins, ['https://ui.example.com', 'http://127.0.0.1:8233']);
    assert.match(configurationError({ CODEC_SERVER_PORT: '70000' }).message, /CODEC_SERVER_PORT/);
    const token = configurationError({ CODEC_SERVER_TOKEN: 'short-secret' });
    assert.match(token.message, /CODEC_SERVER_TOKEN=\(hidden\): at least 16 characters/);
    assert.ok(!token.message.includes('short-secret'));
    assert.match(configurationError({ CODEC_SERVER_CORS_ORIGINS: 'not a url' }).message, /CODEC_SERVER_CORS_ORIGINS/);
  });
});
