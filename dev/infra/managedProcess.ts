import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A background server that `infra:up` started: its pid is recorded in a file so that
 * `infra:down` stops exactly that process and nothing else.
 */
export class ManagedProcess {
  constructor(
    readonly name: string,
    private readonly pidDir: string,
    private readonly logDir: string,
  ) {}

  get pidFile(): string {
    return path.join(this.pidDir, `${this.name}.pid`);
  }

  get logFile(): string {
    return path.join(this.logDir, `${this.name}.log`);
  }

  /** The recorded pid if that process is still alive, else undefined (a stale file is removed). */
  livePid(): number | undefined {
    let pid: number;
    try {
      pid = Number(fs.readFileSync(this.pidFile, 'utf8').trim());
    } catch {
      return undefined;
    }
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return pid;
    fs.rmSync(this.pidFile, { force: true });
    return undefined;
  }

  /** Starts the command detached from this process, output appended to the log file. */
  start(command: string, args: readonly string[], env: NodeJS.ProcessEnv): number {
    fs.mkdirSync(this.pidDir, { recursive: true });
    fs.mkdirSync(this.logDir, { recursive: true });
    const log = fs.openSync(this.logFile, 'a');
    const child = spawn(command, args, { detached: true, stdio: ['ignore', log, log], env });
    fs.closeSync(log);
    if (child.pid === undefined) throw new Error(`could not start ${this.name}: ${command}`);
    child.unref();
    fs.writeFileSync(this.pidFile, `${child.pid}\n`);
    return child.pid;
  }

  /** SIGTERM, wait for the exit, SIGKILL after the grace period. Safe when not running. */
  async stop(graceMs = 30_000): Promise<boolean> {
    const pid = this.livePid();
    if (pid === undefined) return false;
    signal(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isAlive(pid) && Date.now() < deadline) await sleep(200);
    if (isAlive(pid)) signal(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(100);
    fs.rmSync(this.pidFile, { force: true });
    return true;
  }

  /** Whether the process died while we waited for it (the caller then shows the log's tail). */
  exited(pid: number): boolean {
    return !isAlive(pid);
  }

  logTail(lines = 20): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

/** Whether the process runs (a zombie, which still answers kill(0), counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); treat it as gone.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return true;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    // The server runs in its own process group (detached): signal the whole group.
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
