import { startStandInServer } from './standInServer';

/** What offline mode needs of the stand-in: where it answers, and how to stop it. */
export interface OfflineModelServer {
  readonly baseUrl: string;
  stop(): Promise<void>;
}

/**
 * The one door from production code into the stand-in model server: offline mode
 * (app/service/modelAccess.ts) loads this module on demand and nothing else of dev/.
 */
export async function startOfflineModelServer(): Promise<OfflineModelServer> {
  const server = await startStandInServer({});
  return { baseUrl: server.baseUrl, stop: () => server.stop() };
}
