import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadRelayConfig } from '../../../src/config/relayConfig';
import { configurationRefusal } from '../../support/configurationRefusal';

const key = 'sk-plaintext-never-shown-5566';

const refusal = configurationRefusal;

describe('a model endpoint that would carry OPENAI_API_KEY in the clear', () => {
  it('is refused for http:// to another machine with a key, naming the variables and the way out, never the key', () => {
    const message = refusal({ OPENAI_BASE_URL: 'http://10.0.0.5:8000/v1', OPENAI_API_KEY: key });
    assert.match(message, /OPENAI_API_KEY would be sent in the clear to 10\.0\.0\.5:8000/);
    assert.match(message, /https:\/\/ OPENAI_BASE_URL/);
    assert.match(message, /OPENAI_ALLOW_PLAINTEXT_KEY=true/);
    assert.ok(!message.includes(key), 'the key is not in the message');
    // The key is no less exposed when the base URL carries credentials of its own: none are shown.
    const withUserInfo = refusal({ OPENAI_BASE_URL: 'http://relay:url-pass-7788@llm.internal/v1', OPENAI_API_KEY: key });
    assert.match(withUserInfo, /sent in the clear to llm\.internal /);
    assert.ok(!withUserInfo.includes(key) && !withUserInfo.includes('url-pass-7788'));
  });

  it('is accepted over https, to loopback (127.0.0.0/8, ::1, localhost), without a key, in offline mode, and with OPENAI_ALLOW_PLAINTEXT_KEY=true', () => {
    const accepted: NodeJS.ProcessEnv[] = [
      { OPENAI_BASE_URL: 'https://10.0.0.5:8000/v1', OPENAI_API_KEY: key },
      { OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1', OPENAI_API_KEY: key },
      { OPENAI_BASE_URL: 'http://127.3.2.1:8000/v1', OPENAI_API_KEY: key },
      { OPENAI_BASE_URL: 'http://[::1]:8000/v1', OPENAI_API_KEY: key },
      { OPENAI_BASE_URL: 'http://localhost:11434/v1', OPENAI_API_KEY: key },
      { OPENAI_BASE_URL: 'http://10.0.0.5:8000/v1' },
      { OPENAI_BASE_URL: 'http://10.0.0.5:8000/v1', OPENAI_API_KEY: key, OFFLINE_MODE: 'true' },
      { OPENAI_BASE_URL: 'http://10.0.0.5:8000/v1', OPENAI_API_KEY: key, OPENAI_ALLOW_PLAINTEXT_KEY: 'true' },
      { OPENAI_API_KEY: key },
    ];
    for (const env of accepted) assert.doesNotThrow(() => loadRelayConfig(env), JSON.stringify({ ...env, OPENAI_API_KEY: env.OPENAI_API_KEY && '…' }));
    assert.equal(loadRelayConfig(accepted.at(-2)).llm.baseUrl, 'http://10.0.0.5:8000/v1', 'the override keeps the endpoint as written');
  });

  it('refuses an OPENAI_ALLOW_PLAINTEXT_KEY that is not a boolean, naming it', () => {
    assert.match(refusal({ OPENAI_ALLOW_PLAINTEXT_KEY: 'maybe' }), /OPENAI_ALLOW_PLAINTEXT_KEY="maybe"/);
  });
});
