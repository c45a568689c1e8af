import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

export type RelayRole = 'consumer' | 'worker';

export interface RelayExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const projectRoot = path.resolve(__dirname, '..', '..');
/** The compiled service, as production runs it: plain node, no TypeScript loader. */
export const serviceEntry = path.join(projectRoot, 'dist', 'app', 'service', 'serviceMain.js');

const readyLine: Record<RelayRole, RegExp> = { consumer: /ingest consumer running/, worker: /worker running/ };

/**
 * One relay process (`node dist/app/service/serviceMain.js --role …`), so a SIGKILL is a real
 * one. Its log lines go to a file; the ones the scenarios react to are counted as they arrive
 * (workflow starts and duplicates need LOG_LEVEL=debug).
 */
export class RelayProcess {
  readonly exited: Promise<RelayExit>;
  /** `started` outcomes this process logged (a request that started its run). */
  started = 0;
  /** `duplicate` outcomes: a redelivered request whose run already existed. */
  duplicates = 0;
  /** Warnings that a step failed and is being retried (Temporal or the broker away). */
  retries = 0;
  private ready = false;
  private exit: RelayExit | undefined;
  private readonly child: ChildProcess;

  constructor(
    readonly role: RelayRole,
    readonly name: string,
    env: NodeJS.ProcessEnv,
    readonly logFile: string,
  ) {
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const log = fs.createWriteStream(logFile, { flags: 'a' });
    this.child = spawn(process.execPath, [serviceEntry, '--role', role], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (!stream) continue;
      readline.createInterface({ input: stream }).on('line', (line) => {
        log.write(`${line}\n`);
        this.onLine(line);
      });
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        log.end();
        resolve(this.exit);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  /** Resolves once the process says it runs; rejects if it exits first or the time runs out. */
  async waitReady(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ready) {
      if (this.exit) throw new Error(`${this.name} exited while starting (${describeExit(this.exit)}); see ${this.logFile}`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not become ready within ${timeoutMs / 1000}s; see ${this.logFile}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Sends the signal and waits for the exit (SIGKILL after the grace period). */
  async signal(signal: NodeJS.Signals, graceMs = 60_000): Promise<RelayExit> {
    if (this.exit) return this.exit;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  private onLine(line: string): void {
    if (readyLine[this.role].test(line)) this.ready = true;
    if (line.includes('"msg":"started"')) this.started += 1;
    else if (line.includes('"msg":"duplicate"')) this.duplicates += 1;
    else if (/"msg":"[^"]*failed; retrying"/.test(line)) this.retries += 1;
  }
}

export function describeExit(exit: RelayExit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${String(exit.code)}`;
}
