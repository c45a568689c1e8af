import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import { loadRelayConfig, type RelayConfig } from '../../src/config/relayConfig';
import { createKafka } from '../../src/kafka/kafkaClient';
import { silentLogger } from '../../src/logging/logger';
import { temporalDataConverter } from '../../src/temporal/temporalDataConverter';
import { temporalConnectionOptions } from '../../src/temporal/temporalConnectionOptions';

/**
 * The real servers the test command started (`withInfra` exports KAFKA_BROKERS and
 * TEMPORAL_ADDRESS). Each test names its own topics, groups and task queues.
 */
export function testConfig(overrides: NodeJS.ProcessEnv = {}): RelayConfig {
  return loadRelayConfig({ ...process.env, ...overrides });
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function testKafka(): Kafka {
  return createKafka(testConfig().kafka, silentLogger, uniqueName('test'));
}

/** A client on the test server; with `config`, its data converter (payload encryption) too. */
export async function testTemporalClient(config: RelayConfig = testConfig()): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  const dataConverter = temporalDataConverter(config.temporal.payloadEncryption);
  return { client: new Client({ connection, namespace: config.temporal.namespace, dataConverter }), connection };
}

export { eventually } from './eventually';
