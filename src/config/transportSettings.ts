import type { KafkaSettings, RelayEnv, TemporalSettings } from './relayConfig';
import { readTlsFiles } from './tlsFiles';

type KafkaTransport = Pick<KafkaSettings, 'ssl' | 'tlsFiles' | 'sasl'>;
type TemporalTransport = Pick<TemporalSettings, 'tls' | 'tlsFiles' | 'tlsServerName' | 'apiKey'>;

/**
 * How the service reaches Kafka: TLS (KAFKA_SSL, implied by any KAFKA_TLS_* file) and SASL.
 * A SASL mechanism needs its username and password, and over plaintext the password would
 * cross the network in the clear: refused unless KAFKA_ALLOW_SASL_PLAINTEXT=true.
 */
export function kafkaTransport(e: RelayEnv, env: NodeJS.ProcessEnv): { settings: KafkaTransport; problems: string[] } {
  const { files, problems } = readTlsFiles(env, { ca: 'KAFKA_TLS_CA_FILE', cert: 'KAFKA_TLS_CERT_FILE', key: 'KAFKA_TLS_KEY_FILE' });
  const tlsRequested = Boolean(e.KAFKA_TLS_CA_FILE || e.KAFKA_TLS_CERT_FILE || e.KAFKA_TLS_KEY_FILE);
  const ssl = e.KAFKA_SSL || tlsRequested;
  const mechanism = e.KAFKA_SASL_MECHANISM;
  if (mechanism) {
    const missing = (['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const).filter((name) => !e[name]);
    if (missing.length > 0) problems.push(`KAFKA_SASL_MECHANISM=${mechanism} needs ${missing.join(' and ')}`);
    if (!ssl && !e.KAFKA_ALLOW_SASL_PLAINTEXT) {
      problems.push(
        `KAFKA_SASL_MECHANISM=${mechanism} without TLS would send KAFKA_SASL_PASSWORD in the clear: set KAFKA_SSL=true ` +
          '(or a KAFKA_TLS_* file), or KAFKA_ALLOW_SASL_PLAINTEXT=true for a local test broker only',
      );
    }
  }
  const sasl = mechanism && e.KAFKA_SASL_USERNAME && e.KAFKA_SASL_PASSWORD
    ? { mechanism, username: e.KAFKA_SASL_USERNAME, password: e.KAFKA_SASL_PASSWORD }
    : undefined;
  return { settings: { ssl, ...(files ? { tlsFiles: files } : {}), ...(sasl ? { sasl } : {}) }, problems };
}

/**
 * How the service reaches Temporal: TLS (TEMPORAL_TLS, implied by an API key, any
 * TEMPORAL_TLS_* file or TEMPORAL_TLS_SERVER_NAME), the CA and client certificate, the API key.
 */
export function temporalTransport(e: RelayEnv, env: NodeJS.ProcessEnv): { settings: TemporalTransport; problems: string[] } {
  const { files, problems } = readTlsFiles(env, { ca: 'TEMPORAL_TLS_CA_FILE', cert: 'TEMPORAL_TLS_CERT_FILE', key: 'TEMPORAL_TLS_KEY_FILE' });
  const tlsRequested = Boolean(e.TEMPORAL_TLS_CA_FILE || e.TEMPORAL_TLS_CERT_FILE || e.TEMPORAL_TLS_KEY_FILE || e.TEMPORAL_TLS_SERVER_NAME);
  return {
    settings: {
      tls: e.TEMPORAL_TLS || Boolean(e.TEMPORAL_API_KEY) || tlsRequested,
      ...(files ? { tlsFiles: files } : {}),
      ...(e.TEMPORAL_TLS_SERVER_NAME ? { tlsServerName: e.TEMPORAL_TLS_SERVER_NAME } : {}),
      ...(e.TEMPORAL_API_KEY ? { apiKey: e.TEMPORAL_API_KEY } : {}),
    },
    problems,
  };
}
