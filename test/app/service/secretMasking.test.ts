import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { prefixedNameVariables } from '../../../src/config/prefixedNames';
import { defaultCorpusDirectory } from '../../../src/search/searchProviderFromConfig';
import { CredentialEchoingGateway } from '../../support/credentialEchoingGateway';
import { createTestCertificates, type TestCertificates } from '../../support/testCertificates';
import { runCli } from '../../support/cliRunner';
import { tearDown } from '../../support/teardown';
import { uniqueName } from '../../support/testInfrastructure';

const root = path.resolve(__dirname, '../../..');
const entry = path.join(root, 'dist/app/service/serviceMain.js');

/** A Temporal API key with the characters JSON escapes (`"`, `\`) and URL encoding changes (`/`, `+`, `%`). */
const apiKey = 'rk-"quo\\ted"/plus+pct%21-0042';
const forms: Record<string, string> = {
  raw: apiKey,
  'JSON-escaped': JSON.stringify(apiKey).slice(1, -1),
  'URL-encoded': encodeURIComponent(apiKey),
  base64: Buffer.from(apiKey).toString('base64'),
};

/** Runs the compiled service until it exits; its exit code and everything it wrote. */
async function runService(role: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [entry, '--role', role], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, output };
}

/**
 * A worker-only process never connects a Temporal client, so before the secrets were
 * registered by the configuration it never registered TEMPORAL_API_KEY at all; and the Temporal
 * SDK quotes a server's message Rust-style (`\"`, `\\`), which a raw-only masker misses.
 */
describe('secrets in the output of the service', () => {
  let certificates: TestCertificates;
  let gateway: CredentialEchoingGateway;

  before(async () => {
    certificates = createTestCertificates();
    gateway = await CredentialEchoingGateway.start(certificates);
  });
  // Also after a failed before(): the certificates go whether or not the gateway started.
  after(() =>
    tearDown(
      () => gateway?.close(),
      () => certificates?.remove(),
    ),
  );

  /** A fresh environment pointing at the gateway (and a fresh record of what it received). */
  const throughGateway = (): NodeJS.ProcessEnv => {
    gateway.received.splice(0);
    return {
      ...prefixedNameVariables(uniqueName('mask')),
      LOG_LEVEL: 'debug',
      TEMPORAL_ADDRESS: gateway.address,
      TEMPORAL_API_KEY: apiKey,
      TEMPORAL_TLS_CA_FILE: certificates.caFile,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
      // Never called: the process stops at its Temporal connection.
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
      OPENAI_API_KEY: '',
      OFFLINE_MODE: 'false',
      SEARCH_PROVIDER: 'local-corpus',
      SEARCH_CORPUS_DIR: defaultCorpusDirectory,
    };
  };

  const assertMasked = (output: string): void => {
    assert.ok(gateway.received.includes(`Bearer ${apiKey}`), 'the key went to the gateway, which quoted it back');
    assert.match(output, /invalid API key \[redacted\]/, `the gateway's message reached the output, masked:\n${output}`);
    for (const [name, form] of Object.entries(forms)) assert.ok(!output.includes(form), `the ${name} form of TEMPORAL_API_KEY is in the output:\n${output}`);
  };

  for (const role of ['worker', 'both', 'consumer']) {
    it(`--role ${role}: when the Temporal gateway quotes the refused TEMPORAL_API_KEY back, no form of the key is printed`, async () => {
      const { code, output } = await runService(role, throughGateway());
      assert.equal(code, 1, output);
      assertMasked(output);
    });
  }

  it('the CLI, whose Temporal client is refused the same way, says why without the key', async () => {
    const { code, stdout, stderr } = await runCli(['status', 'r-1'], throughGateway());
    assert.equal(code, 1, stderr);
    assert.match(stderr, /cannot reach Temporal at 127\.0\.0\.1:\d+ \(TEMPORAL_ADDRESS\): .*invalid API key \[redacted\]/);
    assertMasked(stdout + stderr);
  });
});
