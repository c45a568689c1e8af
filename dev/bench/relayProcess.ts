import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePorts } from '../chaos/privateServers';

export type RelayRole = 'consumer' | 'worker' | 'both';

/** The compiled service (`npm run build`), started as `npm start` starts it: `node dist/app/service/serviceMain.js`. */
export const serviceEntry = path.join(__dirname, '../../dist/app/service/serviceMain.js');

/** The node flags of `npm start` (package.json), so that the benchmark runs the relay as it runs. */
export function startScriptNodeFlags(): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { scripts?: { start?: string } };
  const words = (manifest.scripts?.start ?? '').split(/\s+/);
  const node = words.indexOf('node');
  return node < 0 ? [] : words.slice(node + 1).filter((word) => word.startsWith('--'));
}

/** A relay process of the benchmark, ready: its `/readyz` answered 200. */
export interface RelayProcess {
  readonly pid: number;
  readonly role: RelayRole;
  /** Spawn → the first 200 from `/readyz`, ms. */
  readonly readyAfterMs: number;
  /** SIGTERM, then waits for the exit (the ordered shutdown). Safe to call twice. */
  stop(): Promise<void>;
}

/** Every relay process still running, so that an interrupted benchmark stops them too. */
const running = new Set<ChildProcess>();

/**
 * Starts the compiled relay with one role on a free HTTP port and resolves once `/readyz` says
 * ready (consumer in its group, worker polling, Temporal answering); rejects when it exits first
 * or is not ready within `timeoutMs`. Its output goes to `logFile`.
 *
 * @example
 * const consumer = await startRelayProcess('consumer', env, '/tmp/relay.log');
 * await consumer.stop();
 */
export async function startRelayProcess(role: RelayRole, env: NodeJS.ProcessEnv, logFile: string, timeoutMs = 120_000): Promise<RelayProcess> {
  if (!fs.existsSync(serviceEntry)) throw new Error(`${serviceEntry} is missing: run npm run build first`);
  const [port] = await freePorts(1);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, 'a');
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [...startScriptNodeFlags(), serviceEntry, '--role', role], { env: { ...env, SERVICE_HTTP_PORT: String(port), SERVICE_HTTP_HOST: '127.0.0.1' }, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitUntilReady(`http://127.0.0.1:${port}/readyz`, exited, timeoutMs, logFile);
  } catch (error) {
    await stop();
    throw error;
  }
  return { pid: child.pid ?? -1, role, readyAfterMs: performance.now() - spawnedAt, stop };
}

/** SIGKILLs every relay process still running (an interrupted benchmark). */
export function killRelayProcesses(): void {
  for (const child of running) child.kill('SIGKILL');
}

async function waitUntilReady(url: string, exited: Promise<void>, timeoutMs: number, logFile: string): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (gone) throw new Error(`the relay exited before it was ready; see ${logFile}`);
    const ok = await fetch(url).then((response) => response.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`the relay was not ready within ${timeoutMs} ms; see ${logFile}`);
}
