import { Client, Connection } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import { loadRelayConfig, type RelayConfig } from '../config/relayConfig';
import { createKafka } from '../kafka/kafkaClient';
import { createLogger, type Logger } from '../logging/logger';
import { connectTemporal } from '../temporal/temporalConnection';
import { tracingClientInterceptors } from '../telemetry/temporalTracing';

/** What every command gets: the validated configuration, a logger, and lazily connected clients. */
export interface CliContext {
  readonly config: RelayConfig;
  readonly logger: Logger;
  /** A kafkajs client that gives up quickly: a CLI reports an unreachable broker, it does not hang. */
  kafka(): Kafka;
  /** Connects to Temporal, or fails with a message naming TEMPORAL_ADDRESS. */
  temporal(): Promise<Client>;
  close(): Promise<void>;
}

export function createCliContext(env: NodeJS.ProcessEnv = process.env): CliContext {
  const config = loadRelayConfig(env);
  const logger = createLogger({ level: config.logLevel === 'info' ? 'error' : config.logLevel, name: 'research-relay-cli' });
  let kafka: Kafka | undefined;
  let connection: Connection | undefined;
  let client: Client | undefined;
  return {
    config,
    logger,
    kafka: () => (kafka ??= createKafka(config.kafka, logger, 'cli', { retries: 2, initialRetryTime: 300, maxRetryTime: 2000 })),
    async temporal() {
      if (!client) {
        connection = await connectTemporal(config.temporal, 3000);
        client = new Client({ connection, namespace: config.temporal.namespace, interceptors: { workflow: tracingClientInterceptors() } });
      }
      return client;
    },
    async close() {
      await connection?.close();
    },
  };
}
