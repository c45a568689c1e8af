import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { addTerminationCleanup } from '../infra/terminationCleanup';

/** Prometheus exited or never answered `/-/ready`; `logTail` holds its last lines. */
export class PrometheusStartError extends Error {
  readonly retryable = false;

  constructor(
    readonly logTail: string,
    detail: string,
  ) {
    super(`prometheus did not start (${detail}); last lines of its log:\n${logTail}`);
    this.name = 'PrometheusStartError';
  }
}

export interface PrometheusOptions {
  /** The `prometheus` binary (see `ensurePrometheus`). */
  readonly binary: string;
  /** prometheus.yml; `rule_files` may name the files of `ruleFiles` by their bare names. */
  readonly config: string;
  /** Rule files written next to prometheus.yml: file name → YAML. */
  readonly ruleFiles?: Readonly<Record<string, string>>;
  /** How long to wait for `/-/ready`; default 60 s (a loaded 2-core machine). */
  readonly readyTimeoutMs?: number;
}

/** A query answer of Prometheus' HTTP API (`data.result` of a vector). */
export interface PrometheusVectorSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: readonly [number, string];
}

/** One rule of `/api/v1/rules`. */
export interface PrometheusRuleState {
  readonly name: string;
  readonly query: string;
  readonly health: string;
  readonly lastError?: string;
  readonly type: string;
  readonly state?: string;
}

/**
 * A real Prometheus server for tests: its own temp folder (config, rules, TSDB), a free port on
 * 127.0.0.1, killed (its process group) when stopped or when this process exits.
 *
 * @example
 * const prometheus = await PrometheusServer.start({ binary, config: 'scrape_configs: […]' });
 * const up = await prometheus.query('up');
 * await prometheus.stop();
 */
export class PrometheusServer {
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly baseUrl: string,
    readonly dir: string,
    private readonly child: ChildProcess,
    private readonly removeCleanup: () => void,
  ) {}

  static async start(options: PrometheusOptions): Promise<PrometheusServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-'));
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), options.config);
    for (const [name, content] of Object.entries(options.ruleFiles ?? {})) fs.writeFileSync(path.join(dir, name), content);
    const port = await freePort();
    const log = path.join(dir, 'prometheus.log');
    const out = fs.openSync(log, 'a');
    const args = [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ];
    const child = spawn(options.binary, args, { cwd: dir, detached: true, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    const removeCleanup = addTerminationCleanup(() => killGroup(child, 'SIGKILL'));
    const server = new PrometheusServer(`http://127.0.0.1:${port}`, dir, child, removeCleanup);
    try {
      await server.waitReady(options.readyTimeoutMs ?? 60_000, log);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** An instant query; throws on an API error. */
  async query(expr: string): Promise<PrometheusVectorSample[]> {
    return this.api<PrometheusVectorSample[]>(`/api/v1/query?query=${encodeURIComponent(expr)}`).then((data) => (data as unknown as { result: PrometheusVectorSample[] }).result);
  }

  /** The label sets of the series matching `match` (a selector such as `{__name__="up"}`). */
  async series(match: string): Promise<Record<string, string>[]> {
    return this.api<Record<string, string>[]>(`/api/v1/series?match[]=${encodeURIComponent(match)}`);
  }

  /** Every rule of every loaded group, with its health. */
  async rules(): Promise<PrometheusRuleState[]> {
    const data = await this.api<{ groups: { rules: PrometheusRuleState[] }[] }>('/api/v1/rules');
    return data.groups.flatMap((group) => group.rules);
  }

  /** The scrape targets and their health (`up`, `down`, `unknown`). */
  async targets(): Promise<{ health: string; lastError: string; scrapeUrl: string }[]> {
    const data = await this.api<{ activeTargets: { health: string; lastError: string; scrapeUrl: string }[] }>('/api/v1/targets');
    return data.activeTargets;
  }

  /** SIGTERM, SIGKILL after 10 s, then the temp folder goes. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.child.exitCode === null && this.child.signalCode === null) {
        const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
        killGroup(this.child, 'SIGTERM');
        const timer = setTimeout(() => killGroup(this.child, 'SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      this.removeCleanup();
      fs.rmSync(this.dir, { recursive: true, force: true });
    })();
    return this.stopping;
  }

  private async api<T>(pathAndQuery: string): Promise<T> {
    const response = await fetch(`${this.baseUrl}${pathAndQuery}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${pathAndQuery}: ${response.status} ${body.error ?? ''}`);
    return body.data;
  }

  private async waitReady(timeoutMs: number, log: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const tail = (): string => fs.readFileSync(log, 'utf8').split('\n').slice(-20).join('\n');
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new PrometheusStartError(tail(), `exited with ${this.child.exitCode ?? this.child.signalCode}`);
      }
      const ready = await fetch(`${this.baseUrl}/-/ready`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new PrometheusStartError(tail(), `no 200 from /-/ready within ${timeoutMs / 1000} s`);
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** A port the kernel just handed out on 127.0.0.1 (free unless taken in the moment before Prometheus binds it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
