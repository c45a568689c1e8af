import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRelayConfig } from '../../../src/config/relayConfig';
import { secretVariables } from '../../../src/config/secretVariables';
import { maskSecrets } from '../../../src/logging/logger';
import { createTestCertificates, type TestCertificates } from '../../support/testCertificates';
import { configurationRefusal } from '../../support/configurationRefusal';

const refusal = configurationRefusal;

const sasl = { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'relay', KAFKA_SASL_PASSWORD: 'pw-never-shown-1234' };

describe('Kafka SASL needs TLS', () => {
  it('refuses a SASL mechanism without TLS, naming the variables and not the password', () => {
    const message = refusal(sasl);
    assert.match(message, /KAFKA_SASL_MECHANISM=scram-sha-512 without TLS would send KAFKA_SASL_PASSWORD in the clear/);
    assert.match(message, /KAFKA_SSL=true/);
    assert.match(message, /KAFKA_ALLOW_SASL_PLAINTEXT=true/);
    assert.doesNotMatch(message, /pw-never-shown-1234/);
  });

  it('accepts it with KAFKA_SSL=true, or over plaintext only when KAFKA_ALLOW_SASL_PLAINTEXT=true', () => {
    const overTls = loadRelayConfig({ ...sasl, KAFKA_SSL: 'true' }).kafka;
    assert.equal(overTls.ssl, true);
    assert.deepEqual(overTls.sasl, { mechanism: 'scram-sha-512', username: 'relay', password: 'pw-never-shown-1234' });
    const allowed = loadRelayConfig({ ...sasl, KAFKA_ALLOW_SASL_PLAINTEXT: 'true' }).kafka;
    assert.equal(allowed.ssl, false);
    assert.equal(allowed.sasl?.mechanism, 'scram-sha-512');
    assert.match(refusal({ ...sasl, KAFKA_ALLOW_SASL_PLAINTEXT: 'maybe' }), /KAFKA_ALLOW_SASL_PLAINTEXT="maybe"/);
  });

  it('refuses a SASL mechanism without its username or password, naming the missing ones', () => {
    assert.match(refusal({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'plain' }), /KAFKA_SASL_MECHANISM=plain needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/);
    assert.match(refusal({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'relay' }), /KAFKA_SASL_MECHANISM=plain needs KAFKA_SASL_PASSWORD$/m);
  });
});

describe('TLS files', () => {
  let certificates: TestCertificates;
  before(() => {
    certificates = createTestCertificates();
  });
  after(() => certificates.remove());

  for (const system of ['KAFKA', 'TEMPORAL'] as const) {
    const variable = (name: 'CA' | 'CERT' | 'KEY'): string => `${system}_TLS_${name}_FILE`;

    it(`${system}: the CA, certificate and key are read at start-up and imply TLS`, () => {
      const config = loadRelayConfig({ [variable('CA')]: certificates.caFile, [variable('CERT')]: certificates.clientCertFile, [variable('KEY')]: certificates.clientKeyFile });
      const settings = system === 'KAFKA' ? config.kafka : config.temporal;
      assert.equal(system === 'KAFKA' ? config.kafka.ssl : config.temporal.tls, true);
      assert.equal(settings.tlsFiles?.ca, fs.readFileSync(certificates.caFile, 'utf8'));
      assert.equal(settings.tlsFiles?.clientCertificate?.cert, fs.readFileSync(certificates.clientCertFile, 'utf8'));
      const caOnly = loadRelayConfig({ [variable('CA')]: certificates.caFile });
      assert.equal(system === 'KAFKA' ? caOnly.kafka.ssl : caOnly.temporal.tls, true);
      assert.equal((system === 'KAFKA' ? caOnly.kafka : caOnly.temporal).tlsFiles?.clientCertificate, undefined);
    });

    it(`${system}: a missing or unreadable file is an error naming the variable`, () => {
      const missing = path.join(certificates.directory, 'nowhere.pem');
      assert.match(refusal({ [variable('CA')]: missing }), new RegExp(`${variable('CA')}=".*nowhere\\.pem": cannot read the file \\(ENOENT\\)`));
      assert.match(refusal({ [variable('CA')]: certificates.directory }), new RegExp(`${variable('CA')}=.*: cannot read the file \\(EISDIR\\)`));
    });

    it(`${system}: a certificate without its key, or a key without its certificate, is an error`, () => {
      assert.match(refusal({ [variable('CERT')]: certificates.clientCertFile }), new RegExp(`${variable('CERT')} is set but ${variable('KEY')} is not`));
      assert.match(refusal({ [variable('KEY')]: certificates.clientKeyFile }), new RegExp(`${variable('KEY')} is set but ${variable('CERT')} is not`));
    });

    it(`${system}: files that are no certificate or key, or a key of another certificate, are errors that never quote the key`, () => {
      const notPem = path.join(certificates.directory, `${system}-garbage.pem`);
      fs.writeFileSync(notPem, 'secret-material-that-is-not-pem');
      const message = refusal({ [variable('CA')]: notPem, [variable('CERT')]: notPem, [variable('KEY')]: notPem });
      assert.match(message, new RegExp(`${variable('CA')}=.*: not a PEM certificate`));
      assert.match(message, new RegExp(`${variable('CERT')}=.*: not a PEM certificate`));
      assert.match(message, new RegExp(`${variable('KEY')}=.*: not a PEM private key`));
      assert.doesNotMatch(message, /secret-material/);
      const mismatched = refusal({ [variable('CERT')]: certificates.clientCertFile, [variable('KEY')]: certificates.otherClientKeyFile });
      assert.match(mismatched, new RegExp(`${variable('KEY')}: the private key does not belong to the certificate in ${variable('CERT')}`));
      assert.doesNotMatch(mismatched, /PRIVATE KEY/);
    });
  }

  it('TEMPORAL_TLS_SERVER_NAME implies TLS', () => {
    const temporal = loadRelayConfig({ TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }).temporal;
    assert.equal(temporal.tls, true);
    assert.equal(temporal.tlsServerName, 'temporal.internal');
    assert.match(refusal({ TEMPORAL_TLS_SERVER_NAME: 'not a name' }), /TEMPORAL_TLS_SERVER_NAME="not a name"/);
  });

  it('loading the configuration registers every secret for masking: API keys, the SASL password, the TLS private keys', () => {
    const values = { OPENAI_API_KEY: 'sk-openai-123456', TEMPORAL_API_KEY: 'temporal-"key"-789', KAFKA_SASL_PASSWORD: 'kafka-pass-0000', CODEC_SERVER_TOKEN: 'codec-token-0123456789abcdef', PHOENIX_API_KEY: 'phoenix-key-24680' };
    const payloadKey = Buffer.alloc(32, 7).toString('base64');
    const clientKey = fs.readFileSync(certificates.clientKeyFile, 'utf8');
    const otherKey = fs.readFileSync(certificates.otherClientKeyFile, 'utf8');
    loadRelayConfig({
      ...values,
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'relay',
      KAFKA_TLS_CERT_FILE: certificates.clientCertFile,
      KAFKA_TLS_KEY_FILE: certificates.clientKeyFile,
      TEMPORAL_TLS_CERT_FILE: certificates.otherClientCertFile,
      TEMPORAL_TLS_KEY_FILE: certificates.otherClientKeyFile,
      PAYLOAD_ENCRYPTION_KEYS: `k1:${payloadKey}`,
    });
    for (const secret of [...Object.values(values), clientKey, otherKey, payloadKey]) assert.equal(maskSecrets(`<${secret}>`), '<[redacted]>');
    assert.deepEqual(secretVariables.map((variable) => variable.name).sort(), [
      'CODEC_SERVER_TOKEN', 'KAFKA_SASL_PASSWORD', 'KAFKA_TLS_KEY_FILE', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_HEADERS',
      'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'OTEL_EXPORTER_OTLP_METRICS_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
      'PAYLOAD_ENCRYPTION_KEYS', 'PAYLOAD_ENCRYPTION_KEYS_FILE', 'PHOENIX_API_KEY', 'PHOENIX_URL', 'SEARXNG_URL', 'TAVILY_API_KEY', 'TAVILY_BASE_URL', 'TEMPORAL_API_KEY', 'TEMPORAL_TLS_KEY_FILE',
    ]);
  });

  it("the OTLP exporter's header values are registered too, each on its own, the names not", () => {
    loadRelayConfig({ OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Basic%20bGY6c2VjcmV0,x-team-key=team-key-5678' });
    assert.equal(maskSecrets('sent Basic bGY6c2VjcmV0'), 'sent [redacted]');
    assert.equal(maskSecrets('credential bGY6c2VjcmV0'), 'credential [redacted]');
    assert.equal(maskSecrets('x-team-key: team-key-5678'), 'x-team-key: [redacted]');
    assert.equal(maskSecrets('Authorization'), 'Authorization');
  });

  it('credentials inside an endpoint URL are secrets, the rest of the URL is not', () => {
    loadRelayConfig({ OPENAI_BASE_URL: 'https://relay:pw-in-url-7788@llm.example/v1?api-key=qk-in-url-9911' });
    assert.equal(maskSecrets('calling https://relay:pw-in-url-7788@llm.example/v1?api-key=qk-in-url-9911'), 'calling https://relay:[redacted]@llm.example/v1?api-key=[redacted]');
  });

  it('a configuration error registers the secrets too (they are registered before validation)', () => {
    const message = refusal({ TEMPORAL_API_KEY: 'broken-key-4321', OPENAI_API_KEY: '', INGEST_CONCURRENCY: 'lots' });
    assert.match(message, /INGEST_CONCURRENCY="lots"/);
    assert.equal(maskSecrets('broken-key-4321'), '[redacted]');
  });
});
