import assert from 'node:assert/strict';
import { loadRelayConfig } from '../../src/config/relayConfig';
import { ConfigurationError } from '../../src/errors';

/** The configuration error's text for an environment (the test fails if there is none). */
export function configurationRefusal(env: NodeJS.ProcessEnv): string {
  try {
    loadRelayConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigurationError, String(error));
    return error.message;
  }
  assert.fail(`no configuration error for ${JSON.stringify(env)}`);
}
