import fs from 'node:fs';
import path from 'node:path';
import type { InfraPaths } from './infraPaths';
import { ManagedProcess, sleep } from './managedProcess';
import { isPortOpen } from './portProbe';
import { ProgressLine } from './progressLine';
import { installIntoVenv, isInstalled } from './pythonVenv';
import { probeServiceState, type ServiceState } from './serviceState';

/** The Arize Phoenix release `infra:up` installs from PyPI (about 850 MB in its virtualenv). */
export const phoenixPackage = 'arize-phoenix==20.26.1';

/**
 * A development server that never calls home, loads nothing from the internet (the UI works
 * offline) and starts without the extras it does not need here; docker-compose.yml sets the same.
 */
export const phoenixQuietSettings: Readonly<Record<string, string>> = {
  PHOENIX_TELEMETRY_ENABLED: 'false',
  PHOENIX_ALLOW_EXTERNAL_RESOURCES: 'false',
  PHOENIX_DISABLE_AGENT_ASSISTANT: 'true',
  PHOENIX_AGENTS_DISABLE_BASH: 'true',
  PHOENIX_ENABLE_MCP_SERVER: 'false',
  PHOENIX_LOG_MIGRATIONS: 'false',
};

export interface LocalPhoenixOptions {
  readonly host: string;
  /** HTTP: the UI, the REST API and OTLP/HTTP at /v1/traces. */
  readonly port: number;
  /** OTLP/gRPC. */
  readonly grpcPort: number;
  readonly paths: InfraPaths;
}

/**
 * Arize Phoenix, the trace viewer for LLM runs: `phoenix serve` from a project-local virtualenv,
 * its SQLite data in `.cache/phoenix/data`.
 */
export class LocalPhoenix {
  private readonly process: ManagedProcess;

  constructor(private readonly options: LocalPhoenixOptions) {
    this.process = new ManagedProcess('phoenix', options.paths.pids, options.paths.logs);
  }

  get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  get uiUrl(): string {
    return `http://${this.address}`;
  }

  /** Where an OTLP/HTTP exporter sends spans (`OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf`). */
  get otlpHttpEndpoint(): string {
    return `${this.uiUrl}/v1/traces`;
  }

  /** Where an OTLP/gRPC exporter sends spans. */
  get otlpGrpcEndpoint(): string {
    return `http://${this.options.host}:${this.options.grpcPort}`;
  }

  /** The UI page of one trace (Phoenix finds its project). */
  traceUrl(traceId: string): string {
    return `${this.uiUrl}/redirects/traces/${traceId}`;
  }

  get logFile(): string {
    return this.process.logFile;
  }

  state(): Promise<ServiceState> {
    return probeServiceState({ process: this.process, host: this.options.host, port: this.options.port, answers: answersPhoenix, serverName: 'Phoenix', variable: 'PHOENIX_PORT' });
  }

  /** Starts Phoenix unless one already answers; returns whether this call started it. */
  async up(): Promise<{ started: boolean; state: ServiceState }> {
    const before = await this.state();
    if (before.kind === 'external') return { started: false, state: before };
    if (before.kind === 'ours') {
      await this.waitUntilReady(before.pid);
      return { started: false, state: before };
    }
    if (await isPortOpen(this.options.host, this.options.grpcPort)) {
      throw new Error(`port ${this.options.grpcPort} (Phoenix OTLP/gRPC) on ${this.options.host} is already in use; set PHOENIX_GRPC_PORT`);
    }
    await this.ensureInstalled();
    fs.mkdirSync(this.options.paths.phoenixData, { recursive: true });
    const pid = this.process.start(path.join(this.options.paths.phoenixVenv, 'bin', 'phoenix'), ['serve'], this.serverEnv());
    await this.waitUntilReady(pid);
    return { started: true, state: { kind: 'ours', pid } };
  }

  async down(): Promise<boolean> {
    return this.process.stop();
  }

  /** Deletes the recorded traces (the SQLite database), not the installed software. */
  resetData(): string[] {
    const data = this.options.paths.phoenixData;
    if (!fs.existsSync(data)) return [];
    fs.rmSync(data, { recursive: true, force: true });
    return [data];
  }

  /** pip-installs the pinned release once; later runs find the marker and skip it. */
  async ensureInstalled(): Promise<void> {
    if (isInstalled(this.options.paths.phoenixVenv, phoenixPackage)) return;
    await installIntoVenv({
      venv: this.options.paths.phoenixVenv,
      requirement: phoenixPackage,
      label: `Phoenix (${phoenixPackage}) from PyPI`,
      minimumPython: [3, 11],
      alternative: 'install Python 3.11 or newer (or set PYTHON), or skip Phoenix with INFRA_PHOENIX=false',
    });
  }

  private serverEnv(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      PHOENIX_WORKING_DIR: this.options.paths.phoenixData,
      PHOENIX_HOST: this.options.host,
      PHOENIX_PORT: String(this.options.port),
      // Phoenix binds its gRPC port on every interface whatever PHOENIX_HOST says.
      PHOENIX_GRPC_PORT: String(this.options.grpcPort),
      ...phoenixQuietSettings,
      // Another database configured for some other Phoenix would take the data elsewhere.
      PHOENIX_SQL_DATABASE_URL: undefined,
    };
  }

  private async waitUntilReady(pid: number, timeoutMs = 120_000): Promise<void> {
    const progress = new ProgressLine(`Phoenix on ${this.address}`);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.process.exited(pid)) {
        throw new Error(`Phoenix exited while starting; last lines of ${this.process.logFile}:\n${this.process.logTail()}`);
      }
      if ((await isPortOpen(this.options.host, this.options.port)) && (await answersPhoenix(this.address))) {
        progress.done(`ready (UI ${this.uiUrl})`);
        return;
      }
      progress.update('waiting for the server');
      await sleep(500);
    }
    throw new Error(`Phoenix did not answer on ${this.address} within ${timeoutMs / 1000}s; see ${this.process.logFile}`);
  }
}

/** True when Phoenix's REST API lists projects at the address. */
export async function answersPhoenix(address: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${address}/v1/projects`, { signal: AbortSignal.timeout(2000) });
    if (response.status !== 200) return false;
    const body = (await response.json()) as { data?: unknown };
    return Array.isArray(body.data);
  } catch {
    return false;
  }
}
