import fs from 'node:fs';
import path from 'node:path';
import { infraPaths, type InfraPaths } from '../infra/infraPaths';
import { privateClusterPaths } from '../infra/privateKafkaCluster';
import { defaultKafkaVersion, LocalKafka } from '../infra/localKafka';
import { LocalKafkaCluster } from '../infra/localKafkaCluster';
import { LocalTemporal } from '../infra/localTemporal';
import { isAlive, sleep } from '../infra/managedProcess';
import { freePorts } from '../infra/portProbe';
import type { ChaosServers } from './chaosServers';

export { freePorts };

/** Which Kafka a run needs: the single broker, a 3-broker cluster, or both side by side. */
export type PrivateKafka = 'single' | 'cluster' | 'both';

/** A private broker and Temporal server for one chaos run, and how to take them away again. */
export interface PrivateServers extends ChaosServers {
  /** Where their data and logs live (`<cache>/chaos/<runId>`). */
  readonly directory: string;
  readonly logDirectory: string;
  /** Stops both (whatever state they are in) and deletes their data; logs stay. Safe to call twice. */
  stop(): Promise<void>;
  /** The Temporal server's process id (benchmarks read its CPU time); undefined when it is not running. */
  temporalPid(): Promise<number | undefined>;
}

/**
 * Starts a Kafka broker and a Temporal dev server of our own on free ports, with fresh data
 * directories under `<cache>/chaos/<runId>`, from the binaries `npm run infra:up` installs (and
 * installs them the first time). The shared servers on 9092/7233 are never touched. With
 * `kafka: 'cluster'` or `'both'`, a 3-node KRaft cluster (every node broker and controller,
 * replication factor 3, `min.insync.replicas` 2) comes up too, for the scenarios that ask for it.
 */
export async function startPrivateServers(runId: string, env: NodeJS.ProcessEnv = process.env, options: { kafka?: PrivateKafka } = {}): Promise<PrivateServers> {
  const wanted = options.kafka ?? 'single';
  const shared = infraPaths(env);
  const directory = path.join(shared.root, 'chaos', runId);
  const paths = privatePaths(shared, directory);
  const [kafkaPort = 0, controllerPort = 0, temporalPort = 0, uiPort = 0, ...clusterPorts] = await freePorts(wanted === 'single' ? 4 : 10);
  const version = env.KAFKA_VERSION ?? defaultKafkaVersion;
  const kafka = wanted === 'cluster' ? undefined : new LocalKafka({ host: '127.0.0.1', port: kafkaPort, controllerPort, version, heap: env.CHAOS_KAFKA_HEAP ?? '512m', paths });
  // Three JVMs beside the single broker and Temporal on two cores: a smaller heap each.
  const cluster = wanted === 'single' ? undefined : new LocalKafkaCluster({ host: '127.0.0.1', ports: clusterPorts.slice(0, 3), controllerPorts: clusterPorts.slice(3, 6), version, heap: env.CHAOS_CLUSTER_HEAP ?? '384m', paths });
  const temporal = new LocalTemporal({ host: '127.0.0.1', port: temporalPort, uiPort, paths });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await Promise.all([kafka?.down().catch(() => false), cluster?.down().catch(() => false), temporal.down().catch(() => false)]);
      fs.rmSync(paths.kafkaData, { recursive: true, force: true });
      cluster?.removeData();
      fs.rmSync(path.dirname(paths.temporalDb), { recursive: true, force: true });
    })());
  try {
    // The single broker first: starting four JVMs at once on two cores slows every one of them.
    await Promise.all([(async () => {
      await kafka?.up();
      await cluster?.up();
    })(), temporal.up()]);
  } catch (error) {
    await stop();
    throw error;
  }
  const noSingleBroker = (): never => {
    throw new Error('this run started no single Kafka broker (only the 3-broker cluster)');
  };
  return {
    kafkaBrokers: kafka?.address ?? cluster?.address ?? noSingleBroker(),
    temporalAddress: temporal.address,
    ...(cluster ? { cluster: { kafkaBrokers: cluster.address, control: cluster } } : {}),
    directory,
    logDirectory: paths.logs,
    stop,
    temporalPid: async () => {
      const state = await temporal.state();
      return state.kind === 'ours' ? state.pid : undefined;
    },
    control: {
      ...(cluster ? { cluster } : {}),
      killKafka: async () => {
        if (!kafka) return noSingleBroker();
        const state = await kafka.state();
        if (state.kind !== 'ours') throw new Error(`the private Kafka broker is not running (${state.kind})`);
        process.kill(-state.pid, 'SIGKILL');
        while (isAlive(state.pid)) await sleep(50);
        return state.pid;
      },
      startKafka: async () => {
        if (!kafka) return noSingleBroker();
        await kafka.up();
      },
      stopTemporal: async () => {
        await temporal.down();
      },
      startTemporal: async () => {
        await temporal.up();
      },
    },
  };
}

/** The shared downloads (jars, Maven repository, Temporal CLI) with data, config, logs and pids of our own. */
function privatePaths(shared: InfraPaths, directory: string): InfraPaths {
  return { ...privateClusterPaths(shared, directory), temporalDb: path.join(directory, 'temporal', 'dev-server.db') };
}

