import path from 'node:path';
import { infraPaths, type InfraPaths } from './infraPaths';
import { defaultKafkaVersion } from './localKafka';
import { LocalKafkaCluster } from './localKafkaCluster';
import { freePorts } from './portProbe';

export interface PrivateKafkaClusterOptions {
  /** How many nodes (default 3). */
  readonly size?: number;
  /** Names its folder `<cache>/kafka-clusters/<runId>`. */
  readonly runId: string;
  /** Heap per node (default 384m: three JVMs share two cores with the tests). */
  readonly heap?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** A started cluster of our own, and how to take it away (stop every node, delete its data; logs stay). */
export interface PrivateKafkaCluster {
  readonly cluster: LocalKafkaCluster;
  /** Where its data, logs and pids live. */
  readonly directory: string;
  /** Safe to call twice, and on a cluster that never came up. */
  stop(): Promise<void>;
}

/**
 * Starts a KRaft cluster on free ports with fresh data under `<cache>/kafka-clusters/<runId>`,
 * from the jars `npm run infra:up` downloads (fetched the first time). The shared servers are
 * never touched. A start that fails stops what it started.
 *
 * @example
 * const { cluster, stop } = await startPrivateKafkaCluster({ runId: uniqueName('replication') });
 * try { ... KAFKA_BROKERS=cluster.address ... } finally { await stop(); }
 */
export async function startPrivateKafkaCluster(options: PrivateKafkaClusterOptions): Promise<PrivateKafkaCluster> {
  const size = options.size ?? 3;
  const env = options.env ?? process.env;
  const shared = infraPaths(env);
  const directory = path.join(shared.root, 'kafka-clusters', options.runId);
  const ports = await freePorts(2 * size);
  const cluster = new LocalKafkaCluster({
    host: '127.0.0.1',
    ports: ports.slice(0, size),
    controllerPorts: ports.slice(size),
    version: env.KAFKA_VERSION ?? defaultKafkaVersion,
    heap: options.heap ?? '384m',
    paths: privateClusterPaths(shared, directory),
  });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await cluster.down().catch(() => false);
      cluster.removeData();
    })());
  try {
    await cluster.up();
  } catch (error) {
    await stop();
    throw error;
  }
  return { cluster, directory, stop };
}

/** The shared downloads with data, logs and pids of our own. */
export function privateClusterPaths(shared: InfraPaths, directory: string): InfraPaths {
  return {
    ...shared,
    root: directory,
    kafkaData: path.join(directory, 'kafka', 'data'),
    kafkaConfig: path.join(directory, 'kafka', 'server.properties'),
    kafkaLog4j: path.join(directory, 'kafka', 'log4j2.properties'),
    logs: path.join(directory, 'logs'),
    pids: path.join(directory, 'pids'),
  };
}
