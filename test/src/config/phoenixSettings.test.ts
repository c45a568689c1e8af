import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadRelayConfig } from '../../../src/config/relayConfig';
import { ConfigurationError } from '../../../src/errors';

function refusal(env: NodeJS.ProcessEnv): string {
  try {
    loadRelayConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigurationError, String(error));
    return error.message;
  }
  assert.fail('the configuration was accepted');
}

describe('Phoenix settings', () => {
  it('default to the local Phoenix and the research-relay project, without a trailing slash', () => {
    assert.deepEqual(loadRelayConfig({}).phoenix, { url: 'http://127.0.0.1:6006', projectName: 'research-relay' });
    assert.equal(loadRelayConfig({ PHOENIX_URL: 'https://phoenix.example.com/' }).phoenix.url, 'https://phoenix.example.com');
  });

  it('refuse credentials in PHOENIX_URL (fetch cannot send them) without echoing them, and point to PHOENIX_API_KEY', () => {
    const message = refusal({ PHOENIX_URL: 'https://user:hunter2-secret@phoenix.example.com' });
    assert.match(message, /PHOENIX_URL=.*no credentials in the URL: set PHOENIX_API_KEY/);
    assert.doesNotMatch(message, /hunter2-secret/);
  });

  it('refuse to send PHOENIX_API_KEY in the clear to another machine, and allow it over https or on this one', () => {
    assert.match(refusal({ PHOENIX_URL: 'http://phoenix.example.com:6006', PHOENIX_API_KEY: 'key-0123' }), /PHOENIX_API_KEY: would be sent in the clear to phoenix\.example\.com:6006/);
    assert.equal(loadRelayConfig({ PHOENIX_URL: 'https://phoenix.example.com', PHOENIX_API_KEY: 'key-0123' }).phoenix.apiKey, 'key-0123');
    assert.equal(loadRelayConfig({ PHOENIX_URL: 'http://localhost:6006', PHOENIX_API_KEY: 'key-0123' }).phoenix.apiKey, 'key-0123');
  });
});
