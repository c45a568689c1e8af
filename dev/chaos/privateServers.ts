import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { infraPaths, type InfraPaths } from '../infra/infraPaths';
import { defaultKafkaVersion, LocalKafka } from '../infra/localKafka';
import { LocalTemporal } from '../infra/localTemporal';
import { isAlive, sleep } from '../infra/managedProcess';
import type { ChaosServers } from './chaosServers';

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
 * installs them the first time). The shared servers on 9092/7233 are never touched.
 */
export async function startPrivateServers(runId: string, env: NodeJS.ProcessEnv = process.env): Promise<PrivateServers> {
  const shared = infraPaths(env);
  const directory = path.join(shared.root, 'chaos', runId);
  const paths = privatePaths(shared, directory);
  const [kafkaPort = 0, controllerPort = 0, temporalPort = 0, uiPort = 0] = await freePorts(4);
  const kafka = new LocalKafka({ host: '127.0.0.1', port: kafkaPort, controllerPort, version: env.KAFKA_VERSION ?? defaultKafkaVersion, heap: env.CHAOS_KAFKA_HEAP ?? '512m', paths });
  const temporal = new LocalTemporal({ host: '127.0.0.1', port: temporalPort, uiPort, paths });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await Promise.all([kafka.down().catch(() => false), temporal.down().catch(() => false)]);
      fs.rmSync(paths.kafkaData, { recursive: true, force: true });
      fs.rmSync(path.dirname(paths.temporalDb), { recursive: true, force: true });
    })());
  try {
    await Promise.all([kafka.up(), temporal.up()]);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    kafkaBrokers: kafka.address,
    temporalAddress: temporal.address,
    directory,
    logDirectory: paths.logs,
    stop,
    temporalPid: async () => {
      const state = await temporal.state();
      return state.kind === 'ours' ? state.pid : undefined;
    },
    control: {
      killKafka: async () => {
        const state = await kafka.state();
        if (state.kind !== 'ours') throw new Error(`the private Kafka broker is not running (${state.kind})`);
        process.kill(-state.pid, 'SIGKILL');
        while (isAlive(state.pid)) await sleep(50);
        return state.pid;
      },
      startKafka: async () => {
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
  return {
    ...shared,
    root: directory,
    kafkaData: path.join(directory, 'kafka', 'data'),
    kafkaConfig: path.join(directory, 'kafka', 'server.properties'),
    kafkaLog4j: path.join(directory, 'kafka', 'log4j2.properties'),
    temporalDb: path.join(directory, 'temporal', 'dev-server.db'),
    logs: path.join(directory, 'logs'),
    pids: path.join(directory, 'pids'),
  };
}


/** Distinct free TCP ports, all held open at once while they are picked so none is chosen twice. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
