import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadRelayConfig } from '../../../src/config/relayConfig';
import { configurationRefusal } from '../../support/configurationRefusal';

describe('SEARXNG_URL and TAVILY_BASE_URL at start-up', () => {
  for (const variable of ['SEARXNG_URL', 'TAVILY_BASE_URL']) {
    it(`${variable} must be an http(s) URL`, () => {
      for (const url of ['ftp://search.example.org/', 'javascript:alert(1)', 'file:///etc/passwd', 'not a url']) {
        assert.match(configurationRefusal({ OFFLINE_MODE: 'true', [variable]: url }), new RegExp(`${variable}=`), url);
      }
    });
  }

  it('accept http(s) URLs, a SearXNG path and query string included', () => {
    const config = loadRelayConfig({ OFFLINE_MODE: 'true', SEARXNG_URL: 'https://search.example.org/searx?token=gate', TAVILY_BASE_URL: 'http://127.0.0.1:8787' });
    assert.equal(config.llm.searxngUrl, 'https://search.example.org/searx?token=gate');
    assert.equal(config.llm.tavilyBaseUrl, 'http://127.0.0.1:8787');
  });
});
