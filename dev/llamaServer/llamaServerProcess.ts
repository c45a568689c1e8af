import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import readline from 'node:readline';
import { sleep } from '../infra/managedProcess';
import { addTerminationCleanup } from '../infra/terminationCleanup';
import { ensureLlamaServer } from './llamaServerBuild';
import { ensureTinyModel } from './tinyModel';

/** The model name the server answers with (`--alias`): what `model` in its responses says. */
export const tinyModelAlias = 'research-relay-tiny';

export interface LlamaServerOptions {
  /** Default: the cached build (built now when missing, see `ensureLlamaServer`). */
  readonly binary?: string;
  /** A GGUF file; default: the project's tiny model (written now when missing). */
  readonly model?: string;
  readonly alias?: string;
  /** Requests served at once (`--parallel`); each gets `contextSize / parallel` tokens. */
  readonly parallel?: number;
  readonly contextSize?: number;
  readonly threads?: number;
  /** How long the model may take to load before start-up fails. */
  readonly readyTimeoutMs?: number;
}

export interface LlamaServer {
  /** `http://127.0.0.1:<port>/v1`, the `baseURL` for the openai SDK. */
  readonly baseUrl: string;
  /** The alias the server reports in `model`. */
  readonly model: string;
  readonly pid: number;
  /** The server's last output lines (for a failing test's message). */
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL after 5 s; idempotent, concurrent calls share one stop. */
  stop(): Promise<void>;
}

/**
 * Starts llama.cpp's `llama-server` on a free port of 127.0.0.1 and resolves once `/health` says
 * the model is loaded. The server is a child in this process's group and is killed when this
 * process exits, also on SIGINT/SIGTERM that nothing else handles (see `addTerminationCleanup`),
 * so a test file that ends abruptly leaves nothing behind.
 *
 * @example
 * const server = await startLlamaServer();
 * const client = new OpenAI({ baseURL: server.baseUrl, apiKey: 'unused' });
 * // ... client.chat.completions.parse({ model: server.model, response_format: zodResponseFormat(schema, 'name'), ... })
 * await server.stop();
 */
export async function startLlamaServer(options: LlamaServerOptions = {}): Promise<LlamaServer> {
  const binary = options.binary ?? (await ensureLlamaServer()).binary;
  const model = options.model ?? (await ensureTinyModel());
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePort(binary, model, options);
    } catch (error) {
      // The free port was only free when we looked: another process may bind it before the server does.
      if (!(error instanceof PortTakenError) || attempt === portAttempts) throw error;
    }
  }
}

const portAttempts = 3;

/** llama-server could not bind the port `freePort` chose (someone took it in between). */
class PortTakenError extends Error {
  override readonly name = 'PortTakenError';
}

async function startOnFreePort(binary: string, model: string, options: LlamaServerOptions): Promise<LlamaServer> {
  const alias = options.alias ?? tinyModelAlias;
  const port = await freePort();
  const child = spawn(binary, serverArgs(model, alias, port, options), { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = captureOutput(child);
  const removeCleanup = addTerminationCleanup(() => child.kill('SIGKILL'));
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(`could not run ${binary}: ${error.message}`));
    child.once('exit', (code, signal) => resolve(`exited (${signal ?? `code ${code}`})`));
  });
  let stopping: Promise<void> | undefined;
  const server: LlamaServer = {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    model: alias,
    pid: child.pid ?? -1,
    logTail: log.tail,
    stop: () => (stopping ??= stopChild(child, exited).finally(removeCleanup)),
  };
  try {
    await waitUntilHealthy(`http://127.0.0.1:${port}/health`, exited, options.readyTimeoutMs ?? 60_000);
  } catch (error) {
    await server.stop();
    if (/couldn't bind HTTP server socket|address already in use/i.test(log.tail(200))) throw new PortTakenError(`port ${port} was taken before llama-server bound it`);
    throw new Error(`llama-server (${binary}, model ${model}) did not become ready: ${(error as Error).message}; last lines of its output:\n${log.tail()}`);
  }
  return server;
}

function serverArgs(model: string, alias: string, port: number, options: LlamaServerOptions): string[] {
  return [
    '--host', '127.0.0.1',
    '--port', String(port),
    '-m', model,
    '--alias', alias,
    '-c', String(options.contextSize ?? 4096),
    '--parallel', String(options.parallel ?? 2),
    // A tiny model is not worth more threads on a shared 2-core test machine.
    '--threads', String(options.threads ?? 1),
    '--threads-http', '2',
    '--no-webui',
    '--no-warmup',
  ];
}

/** Keeps the last 200 lines of the server's output (reading them also keeps its pipes from filling). */
function captureOutput(child: ChildProcess): { tail: (lines?: number) => string } {
  const kept: string[] = [];
  const onLine = (line: string): void => {
    kept.push(line);
    if (kept.length > 200) kept.shift();
  };
  if (child.stdout) readline.createInterface({ input: child.stdout }).on('line', onLine);
  if (child.stderr) readline.createInterface({ input: child.stderr }).on('line', onLine);
  return { tail: (lines = 30) => kept.slice(-lines).join('\n') };
}

/** Polls `/health` (503 while the model loads, 200 once ready) until OK, the process dies, or the deadline. */
async function waitUntilHealthy(url: string, exited: Promise<string>, timeoutMs: number): Promise<void> {
  let died: string | undefined;
  void exited.then((why) => (died = why));
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (died !== undefined) throw new Error(`it ${died}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      last = `HTTP ${response.status} ${await response.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`GET ${url} was not OK within ${timeoutMs / 1000} s (last: ${last})`);
}

async function stopChild(child: ChildProcess, exited: Promise<string>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), 5_000)));
  const gone = await Promise.race([exited.then(() => true), graceOver]);
  clearTimeout(timer);
  if (!gone) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** A port nobody listens on right now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
