import { spawn } from 'node:child_process';
import net from 'node:net';
import { localInfraFromEnv } from '../../dev/infra/localInfra';
import { answersTemporal } from '../../dev/infra/localTemporal';

/** A second, throw-away Temporal dev server with server limits of the test's choosing. */
export interface StrictTemporal {
  readonly address: string;
  stop(): Promise<void>;
}

/** Seconds on an idle machine; on a loaded 2-core one well past 30 s (the shared server gets 120 s too). */
const startTimeoutMs = 120_000;
/** How long the server may take to exit on SIGTERM before it is killed. */
const stopGraceMs = 10_000;

/**
 * Starts the same Temporal CLI the project installs as an in-memory dev server on a free
 * port, with dynamic configuration (e.g. `limit.maxIDLength=40`), so a test can make the real
 * server refuse a start for good without touching the shared one. Resolves once it serves the
 * default namespace; rejects as soon as the server exits, or after `startTimeoutMs`, and then
 * leaves no process behind.
 */
export async function startStrictTemporal(dynamicConfig: Record<string, string | number>): Promise<StrictTemporal> {
  const binary = await localInfraFromEnv().temporal.resolveBinary();
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const settings = Object.entries(dynamicConfig).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${value}`]);
  const child = spawn(binary, ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error', ...settings], {
    env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2000)));
  const ended = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(`could not be run (${error.message})`));
    child.once('exit', (code, signal) => resolve(`exited (${signal ?? `code ${code}`})`));
  });
  // A test process that exits without its after() (forced exit, the per-file limit) takes the server along.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), stopGraceMs);
      await ended;
      clearTimeout(kill);
    })());
  try {
    await untilServing(address, ended);
  } catch (error) {
    await stop();
    throw new Error(`the strict Temporal server (${binary}) on ${address}: ${error instanceof Error ? error.message : String(error)}${output ? `\n${output}` : ''}`, { cause: error });
  }
  return { address, stop };
}

/** Polls until the server answers, failing at once when it has exited instead. */
async function untilServing(address: string, ended: Promise<string>): Promise<void> {
  const server: { exit?: string } = {};
  void ended.then((reason) => (server.exit = reason));
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (await answersTemporal(address)) return;
    if (server.exit !== undefined) throw new Error(`${server.exit} before it served`);
    if (Date.now() > deadline) throw new Error(`not serving after ${startTimeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
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
