import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { infraPaths } from '../../dev/infra/infraPaths';
import { localInfraFromEnv } from '../../dev/infra/localInfra';
import { answersPhoenix, LocalPhoenix } from '../../dev/infra/localPhoenix';

/** A real Phoenix for a test: its HTTP base URL (REST API) and OTLP/HTTP endpoint. */
export interface TestPhoenix {
  readonly url: string;
  readonly otlpHttpEndpoint: string;
  /** Deletes a project the test made in the shared Phoenix (a Phoenix of the test's own goes whole). */
  dropProject(name: string): Promise<void>;
  /** Stops the Phoenix this helper started for the test (never the shared one). */
  close(): Promise<void>;
}

/**
 * The Phoenix the test command started (`npm test` runs under withInfra: PHOENIX_PORT, default
 * 6006). With `INFRA_PHOENIX=false` the test command starts none, so the test starts one of its
 * own on free ports with its data in a temporary folder (the project's virtualenv, installed at
 * most once) — a test never skips for a missing server.
 */
export async function testPhoenix(): Promise<TestPhoenix> {
  const shared = localInfraFromEnv().phoenix;
  if (shared) {
    if (!(await answersPhoenix(shared.address))) throw new Error(`Phoenix does not answer on ${shared.address}: run the tests through npm test (dev/infra/withInfra.ts starts it)`);
    const dropProject = async (name: string): Promise<void> => {
      await fetch(`${shared.uiUrl}/v1/projects/${encodeURIComponent(name)}`, { method: 'DELETE', signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
    };
    return { url: shared.uiUrl, otlpHttpEndpoint: shared.otlpHttpEndpoint, dropProject, close: () => Promise.resolve() };
  }
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-test-phoenix-'));
  const [port = 0, grpcPort = 0] = await freePorts(2);
  const paths = { ...infraPaths({ RESEARCH_RELAY_CACHE_DIR: directory }), phoenixVenv: infraPaths(process.env).phoenixVenv };
  const own = new LocalPhoenix({ host: '127.0.0.1', port, grpcPort, paths });
  const close = async (): Promise<void> => {
    await own.down();
    fs.rmSync(directory, { recursive: true, force: true });
  };
  try {
    await own.up();
  } catch (error) {
    await close();
    throw error;
  }
  return { url: own.uiUrl, otlpHttpEndpoint: own.otlpHttpEndpoint, dropProject: () => Promise.resolve(), close };
}

/** Ports nobody listens on right now (the OS picks them). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve) => {
      const server = net.createServer();
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
