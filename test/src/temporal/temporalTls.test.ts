import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NativeConnection } from '@temporalio/worker';
import { TemporalUnavailableError } from '../../../src/errors';
import { connectTemporalClient } from '../../../src/temporal/temporalClient';
import { temporalConnectionOptions } from '../../../src/temporal/temporalConnectionOptions';
import { PipelineHarness } from '../../support/pipelineHarness';
import { installQuietTemporalRuntime } from '../../support/quietTemporalRuntime';
import { createTestCertificates, testClientCommonName, type TestCertificates } from '../../support/testCertificates';
import { testConfig } from '../../support/testInfrastructure';
import { TlsProxy } from '../../support/tlsProxy';
import { tearDown } from '../../support/teardown';

/**
 * Temporal over mutual TLS: a TLS-terminating proxy (ALPN h2, client certificate required,
 * signed by a CA generated for this file) in front of the shared plaintext dev server. The
 * dev server itself speaks no TLS, so anything that reaches it through the proxy proves the
 * TLS handshake happened, with the CA and client certificate of the TEMPORAL_TLS_* files.
 */
describe('Temporal over mutual TLS', () => {
  let certificates: TestCertificates;
  let proxy: TlsProxy;

  before(async () => {
    installQuietTemporalRuntime();
    certificates = createTestCertificates();
    const [host = '127.0.0.1', port = '7233'] = testConfig().temporal.address.split(':');
    proxy = await TlsProxy.start({ host, port: Number(port) }, certificates, ['h2']);
  });
  // Also after a failed before(): the certificates go whether or not the proxy started.
  after(() =>
    tearDown(
      () => proxy?.close(),
      () => certificates?.remove(),
    ),
  );

  const mutualTls = (): NodeJS.ProcessEnv => ({
    TEMPORAL_ADDRESS: proxy.address,
    TEMPORAL_TLS_CA_FILE: certificates.caFile,
    TEMPORAL_TLS_CERT_FILE: certificates.clientCertFile,
    TEMPORAL_TLS_KEY_FILE: certificates.clientKeyFile,
  });

  it('the client connects with the CA and client certificate and describes the namespace', async () => {
    const before = proxy.accepted.length;
    const temporal = await connectTemporalClient(testConfig(mutualTls()).temporal);
    try {
      const described = await temporal.client.workflowService.describeNamespace({ namespace: 'default' });
      assert.equal(described.namespaceInfo?.name, 'default');
    } finally {
      await temporal.close();
    }
    assert.ok(proxy.accepted.length > before, 'the client went through the TLS proxy');
    assert.deepEqual(new Set(proxy.accepted.slice(before).map((c) => `${c.clientCommonName} ${String(c.alpnProtocol)}`)), new Set([`${testClientCommonName} h2`]));
  });

  it("the worker's native connection connects the same way, also with TEMPORAL_TLS_SERVER_NAME", async () => {
    const before = proxy.accepted.length;
    const settings = testConfig({ ...mutualTls(), TEMPORAL_ADDRESS: `127.0.0.1:${proxy.port}`, TEMPORAL_TLS_SERVER_NAME: 'localhost' }).temporal;
    const connection = await NativeConnection.connect(temporalConnectionOptions(settings));
    try {
      const described = await connection.workflowService.describeNamespace({ namespace: 'default' });
      assert.equal(described.namespaceInfo?.name, 'default');
    } finally {
      await connection.close();
    }
    assert.ok(proxy.accepted.slice(before).some((c) => c.clientCommonName === testClientCommonName), 'the native connection went through the TLS proxy');
  });

  it('without a client certificate the proxy refuses the handshake and the client fails naming TEMPORAL_ADDRESS', async () => {
    const refusedBefore = proxy.refused.length;
    const settings = testConfig({ TEMPORAL_ADDRESS: proxy.address, TEMPORAL_TLS_CA_FILE: certificates.caFile }).temporal;
    await assert.rejects(connectTemporalClient(settings, 3000), (error: unknown) => {
      assert.ok(error instanceof TemporalUnavailableError);
      assert.match(error.message, new RegExp(`cannot reach Temporal at ${proxy.address} \\(TEMPORAL_ADDRESS\\)`));
      return true;
    });
    assert.ok(proxy.refused.length > refusedBefore, `the proxy refused a handshake without a client certificate: ${proxy.refused.join('; ')}`);
  });

  it('a client certificate from another CA is refused too', async () => {
    const acceptedBefore = proxy.accepted.length;
    const settings = testConfig({
      ...mutualTls(),
      TEMPORAL_TLS_CERT_FILE: certificates.otherClientCertFile,
      TEMPORAL_TLS_KEY_FILE: certificates.otherClientKeyFile,
    }).temporal;
    await assert.rejects(connectTemporalClient(settings, 3000), TemporalUnavailableError);
    assert.equal(proxy.accepted.length, acceptedBefore, 'no connection was accepted');
  });

  it('the service (consumer and worker) configured for mutual TLS takes a request to its result through the proxy', async () => {
    const before = proxy.accepted.length;
    const harness = await PipelineHarness.start({ env: mutualTls() });
    try {
      await harness.request('tls-1', 'Does research work over mutual TLS?', { maxSearches: 2 });
      const [completed] = await harness.recorder.waitFor(harness.config.topics.completed, 1, (record) => record.key === 'tls-1');
      assert.ok(completed);
    } finally {
      await (harness as PipelineHarness | undefined)?.close();
    }
    // The consumer's client (grpc-js) and the worker's native connection each came through it.
    assert.ok(proxy.accepted.length - before >= 2, `connections through the proxy: ${proxy.accepted.length - before}`);
  });
});
