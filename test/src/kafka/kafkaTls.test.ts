import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kafka, type ISocketFactory } from 'kafkajs';
import { kafkaClientConfig } from '../../../src/kafka/kafkaClient';
import { noDelaySocketFactory } from '../../../src/kafka/noDelaySocketFactory';
import { ensureTopics } from '../../../src/kafka/topicProvisioner';
import { silentLogger } from '../../../src/logging/logger';
import { createTestCertificates, testClientCommonName, type TestCertificates } from '../../support/testCertificates';
import { testConfig, uniqueName } from '../../support/testInfrastructure';
import { TlsProxy } from '../../support/tlsProxy';
import { tearDown } from '../../support/teardown';
import { TopicRecorder } from '../../support/topicRecorder';

/**
 * Kafka over mutual TLS, through a TLS-terminating proxy (client certificate required, signed
 * by a CA generated for this file) in front of the shared plaintext broker.
 *
 * The broker advertises its own plaintext listener (127.0.0.1:9092) in its metadata, so after
 * the bootstrap kafkajs would connect there directly. The test's socket factory therefore
 * sends every broker address kafkajs asks for to the proxy, through the production socket
 * factory, with the `ssl` options kafkajs gives it, which come unchanged from the production
 * kafkaClientConfig. The proxy only speaks TLS and only forwards after a
 * verified client certificate, so every record that arrives proves the production settings
 * made kafkajs speak TLS with the configured CA and client certificate.
 */
describe('Kafka over mutual TLS', () => {
  let certificates: TestCertificates;
  let proxy: TlsProxy;
  /** Every broker address kafkajs asked to connect to, with whether it asked for TLS. */
  const asked: { address: string; tls: boolean }[] = [];

  const throughProxy: ISocketFactory = (args) => {
    asked.push({ address: `${args.host}:${args.port}`, tls: Boolean(args.ssl) });
    return noDelaySocketFactory({ ...args, host: '127.0.0.1', port: proxy.port });
  };

  const kafkaWith = (env: NodeJS.ProcessEnv): Kafka => {
    const settings = testConfig({ KAFKA_BROKERS: proxy.address, ...env }).kafka;
    return new Kafka({ ...kafkaClientConfig(settings, silentLogger, uniqueName('tls'), { retries: 1, initialRetryTime: 100 }), socketFactory: throughProxy });
  };

  before(async () => {
    certificates = createTestCertificates();
    const [host = '127.0.0.1', port = '9092'] = testConfig().kafka.brokers[0]?.split(':') ?? [];
    proxy = await TlsProxy.start({ host, port: Number(port) }, certificates);
  });
  // Also after a failed before(): the certificates are removed whatever the proxy's close threw.
  after(() =>
    tearDown(
      () => (proxy as TlsProxy | undefined)?.close(),
      () => (certificates as TestCertificates | undefined)?.remove(),
    ),
  );

  it('with the KAFKA_TLS_* files, records are produced and consumed, every connection over verified mutual TLS', async () => {
    const kafka = kafkaWith({
      KAFKA_TLS_CA_FILE: certificates.caFile,
      KAFKA_TLS_CERT_FILE: certificates.clientCertFile,
      KAFKA_TLS_KEY_FILE: certificates.clientKeyFile,
    });
    const topic = uniqueName('tls-topic');
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [topic], 1);
    await admin.disconnect();
    const recorder = await TopicRecorder.start(kafka, [topic]);
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: ['a', 'b', 'c'].map((value) => ({ key: value, value })) });
      const records = await recorder.waitFor(topic, 3);
      assert.deepEqual(records.map((record) => record.value.toString()).sort(), ['a', 'b', 'c']);
    } finally {
      await producer.disconnect();
      await recorder.stop();
    }
    assert.ok(asked.length > 0 && asked.every((request) => request.tls), `kafkajs asked for TLS on every connection: ${JSON.stringify(asked)}`);
    const advertised = testConfig().kafka.brokers[0];
    assert.ok(asked.some((request) => request.address !== proxy.address), `the broker's advertised address (${advertised}) was routed through the proxy too`);
    assert.ok(proxy.accepted.length >= asked.length, `accepted ${proxy.accepted.length} of ${asked.length}`);
    assert.ok(proxy.accepted.every((connection) => connection.clientCommonName === testClientCommonName));
  });

  it('without a client certificate the broker side refuses the connection and kafkajs fails with a TLS error', async () => {
    const acceptedBefore = proxy.accepted.length;
    const refusedBefore = proxy.refused.length;
    const admin = kafkaWith({ KAFKA_TLS_CA_FILE: certificates.caFile }).admin();
    await assert.rejects(admin.connect(), (error: Error) => {
      assert.match(error.name, /^KafkaJS/);
      assert.match(error.message, /Connection error: .*alert certificate required/);
      return true;
    });
    await admin.disconnect();
    assert.equal(proxy.accepted.length, acceptedBefore, 'no connection was accepted');
    assert.ok(proxy.refused.length > refusedBefore, 'the proxy refused the handshake');
    assert.match(proxy.refused.slice(refusedBefore).join(' '), /certificate/i);
  });

  it('a broker certificate not signed by KAFKA_TLS_CA_FILE is refused by the client', async () => {
    const acceptedBefore = proxy.accepted.length;
    const admin = kafkaWith({
      KAFKA_TLS_CA_FILE: certificates.otherCaFile,
      KAFKA_TLS_CERT_FILE: certificates.clientCertFile,
      KAFKA_TLS_KEY_FILE: certificates.clientKeyFile,
    }).admin();
    await assert.rejects(admin.connect(), /Connection error: self-signed certificate in certificate chain/);
    await admin.disconnect();
    assert.equal(proxy.accepted.length, acceptedBefore, 'no connection was accepted');
  });
});
