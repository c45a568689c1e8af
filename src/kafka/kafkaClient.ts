import type { ConnectionOptions } from 'node:tls';
import { Kafka, logLevel, type KafkaConfig, type LogEntry, type RetryOptions, type SASLOptions } from 'kafkajs';
import type { KafkaSettings } from '../config/relayConfig';
import { registerSecret, type Logger } from '../logging/logger';
import { installRecordBatchDecoder } from './kafkajsDecoderPatch';
import { stopKafkajsIdleLoop } from './kafkajsIdleLoop';
import { noDelaySocketFactory } from './noDelaySocketFactory';

/**
 * The one way research-relay builds a kafkajs client: our logger, our retry defaults,
 * and TLS/SASL from the configuration.
 *
 * @example
 * const kafka = createKafka(config.kafka, logger);
 * const producer = kafka.producer();
 */
export function createKafka(settings: KafkaSettings, logger: Logger, clientIdSuffix?: string, retry?: RetryOptions): Kafka {
  return new Kafka(kafkaClientConfig(settings, logger, clientIdSuffix, retry));
}

/**
 * The kafkajs configuration createKafka builds (exposed so a test can route connections and
 * still use exactly the production TLS and SASL options). A socket factory of your own replaces
 * noDelaySocketFactory: wrap it, as below, to keep Nagle's algorithm off.
 *
 * @example
 * const socketFactory: ISocketFactory = (args) => noDelaySocketFactory({ ...args, port: proxyPort });
 * const kafka = new Kafka({ ...kafkaClientConfig(config.kafka, logger), socketFactory });
 */
export function kafkaClientConfig(settings: KafkaSettings, logger: Logger, clientIdSuffix?: string, retry?: RetryOptions): KafkaConfig {
  stopKafkajsIdleLoop();
  installRecordBatchDecoder();
  // Stops kafkajs's one-time notice about its v2 partitioner change; we key every message.
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  // The configuration registered these already; settings built by hand (library users) too.
  registerSecret(settings.sasl?.password);
  registerSecret(settings.tlsFiles?.clientCertificate?.key);
  const sasl: SASLOptions | undefined = settings.sasl
    ? ({ mechanism: settings.sasl.mechanism, username: settings.sasl.username, password: settings.sasl.password })
    : undefined;
  return {
    clientId: clientIdSuffix ? `${settings.clientId}-${clientIdSuffix}` : settings.clientId,
    brokers: [...settings.brokers],
    ssl: kafkaTlsOptions(settings),
    ...(sasl ? { sasl } : {}),
    socketFactory: noDelaySocketFactory,
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    retry: retry ?? { initialRetryTime: 300, retries: 8, maxRetryTime: 30_000 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => forward(logger, entry),
  };
}

/** kafkajs's `ssl`: off, on with the system's roots, or with our CA and client certificate. */
function kafkaTlsOptions(settings: KafkaSettings): ConnectionOptions | boolean {
  const files = settings.tlsFiles;
  if (!settings.ssl && !files) return false;
  if (!files) return true;
  return {
    ...(files.ca ? { ca: files.ca } : {}),
    ...(files.clientCertificate ? { cert: files.clientCertificate.cert, key: files.clientCertificate.key } : {}),
  };
}

function forward(logger: Logger, entry: LogEntry): void {
  const { message, ...fields } = entry.log;
  const text = `kafkajs: ${String(message)}`;
  const context = { namespace: entry.namespace, ...fields };
  // kafkajs logs every error response of the broker at ERROR, also those it then retries (a
  // coordinator still loading, a leader election): those are warnings until retries run out.
  const retried = entry.level === logLevel.ERROR && entry.namespace === 'Connection' && String(message).startsWith('Response ');
  if (entry.level === logLevel.ERROR && !retried) logger.error(text, context);
  else if (retried) logger.warn(text, context);
  else if (entry.level === logLevel.WARN) logger.warn(text, context);
  else if (entry.level === logLevel.INFO) logger.info(text, context);
  else logger.debug(text, context);
}
