import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** The stand-in model server in a process of its own, as a remote model is: its work never waits on the caller's event loop. */
export interface StandInProcess {
  readonly baseUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts `dev/standIn/standInMain.ts` on a free port and resolves with its base URL once it
 * listens (it prints `… listening at <url>`); rejects if it exits first or says nothing in 30 s.
 *
 * @example
 * const model = await startStandInProcess({ latencyMs: 1000 });
 * process.env.OPENAI_BASE_URL = model.baseUrl;
 * await model.stop();
 */
export async function startStandInProcess(options: { latencyMs: number }): Promise<StandInProcess> {
  const entry = path.join(__dirname, '../standIn/standInMain.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', entry, '--port', '0', '--latency-ms', String(options.latencyMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the stand-in model server did not start within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`the stand-in model server exited (${code}) before it listened`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const url = /listening at (\S+)/.exec(line)?.[1];
      if (!url) return;
      clearTimeout(timer);
      resolve(url);
    });
  });
  return {
    baseUrl,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
