import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Connection } from '@temporalio/client';
import { localInfraFromEnv } from '../../dev/infra/localInfra';
import { eventually } from './eventually';

/** A second, throw-away Temporal dev server with server limits of the test's choosing. */
export interface StrictTemporal {
  readonly address: string;
  stop(): Promise<void>;
}

/**
 * Starts the same Temporal CLI the project installs as an in-memory dev server on a free
 * port, with dynamic configuration (e.g. `limit.maxIDLength=40`), so a test can make the real
 * server refuse a start for good without touching the shared one.
 */
export async function startStrictTemporal(dynamicConfig: Record<string, string | number>): Promise<StrictTemporal> {
  const binary = await localInfraFromEnv().temporal.resolveBinary();
  const port = await freePort();
  const settings = Object.entries(dynamicConfig).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${value}`]);
  const child: ChildProcess = spawn(binary, ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error', ...settings], {
    env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' },
    stdio: 'ignore',
  });
  const address = `127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await eventually(() => Connection.connect({ address, connectTimeout: 1000 }).then((connection) => connection.close().then(() => true), () => undefined), 30_000, `Temporal on ${address}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, stop };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
