import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadRelayConfig } from '../../../src/config/relayConfig';
import { ConfigurationError } from '../../../src/errors';

describe('the service HTTP port in the configuration', () => {
  it('listens on all interfaces, port 9464, unless SERVICE_HTTP_HOST / SERVICE_HTTP_PORT say otherwise (0 picks a free port)', () => {
    assert.deepEqual(loadRelayConfig({}).serviceHttp, { host: '0.0.0.0', port: 9464 });
    assert.deepEqual(loadRelayConfig({ SERVICE_HTTP_HOST: '127.0.0.1', SERVICE_HTTP_PORT: '0' }).serviceHttp, { host: '127.0.0.1', port: 0 });
    assert.deepEqual(loadRelayConfig({ SERVICE_HTTP_HOST: '[::]' }).serviceHttp, { host: '::', port: 9464 });
  });

  it('refuses a port out of range and a host with a path, naming the variable', () => {
    for (const [variable, value] of [['SERVICE_HTTP_PORT', '70000'], ['SERVICE_HTTP_PORT', 'http'], ['SERVICE_HTTP_HOST', 'host/metrics']] as const) {
      assert.throws(
        () => loadRelayConfig({ [variable]: value }),
        (error: unknown) => error instanceof ConfigurationError && error.message.includes(`${variable}="${value}"`),
        `${variable}=${value} is refused`,
      );
    }
  });
});
