import type { Client } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import { loadRelayConfig, type RelayConfig } from '../../src/config/relayConfig';
import { createKafka } from '../../src/kafka/kafkaClient';
import { createLogger, type Logger } from '../../src/logging/logger';
import { connectTemporalClient, type TemporalClientHandle } from '../../src/temporal/temporalClient';

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
  let temporal: Promise<TemporalClientHandle> | undefined;
  return {
    config,
    logger,
    kafka: () => (kafka ??= createKafka(config.kafka, logger, 'cli', { retries: 2, initialRetryTime: 300, maxRetryTime: 2000 })),
    async temporal() {
      temporal ??= connectTemporalClient(config.temporal, 3000);
      return (await temporal).client;
    },
    async close() {
      await (await temporal?.catch(() => undefined))?.close();
    },
  };
}
