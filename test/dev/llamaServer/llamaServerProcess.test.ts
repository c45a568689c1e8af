import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { isAlive } from '../../../dev/infra/managedProcess';
import { eventually } from '../../support/eventually';
import { tearDown } from '../../support/teardown';

/*
 * What happens to a started llama-server when the process that started it is told to stop. Uses
 * the cached build and model (npm test builds them first; a cold cache builds here, hence the
 * long first wait).
 */

const projectRoot = path.resolve(__dirname, '..', '..', '..');
const firstStartMs = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 600_000);
const started: ChildProcess[] = [];
const serverPids: number[] = [];

/** A node process that starts llama-server and prints its pid; `ownHandler` is extra code run first. */
function startStarter(ownHandler = ''): { child: ChildProcess; output: () => string } {
  const script = `${ownHandler}
const { startLlamaServer } = require('./dev/llamaServer/llamaServerProcess');
startLlamaServer().then((server) => { globalThis.serverPid = server.pid; console.log('server ' + server.pid); });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function serverPidOf(starter: { child: ChildProcess; output: () => string }): Promise<number> {
  const pid = await eventually(() => {
    if (starter.child.exitCode !== null) throw new Error(`the starter exited (${starter.child.exitCode}): ${starter.output()}`);
    const found = /^server (\d+)$/m.exec(starter.output());
    return found ? Number(found[1]) : undefined;
  }, firstStartMs, 'llama-server to be ready');
  serverPids.push(pid);
  return pid;
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

describe('a started llama-server when its starter is stopped', { timeout: firstStartMs + 60_000 }, () => {
  after(() =>
    tearDown(
      () => {
        for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
      () => {
        for (const pid of serverPids.filter(isAlive)) process.kill(pid, 'SIGKILL');
      },
    ),
  );

  it('SIGTERM to a starter without signal handlers of its own stops the server and exits 143', async () => {
    const starter = startStarter();
    const server = await serverPidOf(starter);
    starter.child.kill('SIGTERM');
    assert.deepEqual(await exitOf(starter.child), { code: 143, signal: null });
    await eventually(() => !isAlive(server), 10_000, `llama-server (pid ${server}) to be gone`);
  });

  it('a starter with its own SIGTERM handler decides when to end; the server stays up until then and goes at its exit', async () => {
    const starter = startStarter(`process.on('SIGTERM', () => {
  let alive = true;
  try { process.kill(globalThis.serverPid, 0); } catch { alive = false; }
  console.log('handler ran; server alive: ' + alive);
  process.exit(7);
});`);
    const server = await serverPidOf(starter);
    starter.child.kill('SIGTERM');
    assert.deepEqual(await exitOf(starter.child), { code: 7, signal: null }, starter.output());
    assert.match(starter.output(), /handler ran; server alive: true/);
    await eventually(() => !isAlive(server), 10_000, `llama-server (pid ${server}) to be gone`);
  });
});
