import { spawn, spawnSync } from 'node:child_process';
import readline from 'node:readline';
import type { ProgressLine } from '../infra/progressLine';
import { addTerminationCleanup } from '../infra/terminationCleanup';

/** A tool an install needs (go, apt-get, dpkg-deb) is missing; installing it is the fix, retrying is not. */
export class MissingToolError extends Error {
  readonly retryable = false;

  constructor(
    readonly tool: string,
    message: string,
  ) {
    super(message);
    this.name = 'MissingToolError';
  }
}

/** An install step's tool failed; `outputTail` holds its last lines (a registry outage may pass on retry). */
export class InstallStepError extends Error {
  readonly retryable = true;

  constructor(
    readonly step: string,
    readonly outputTail: string,
    detail: string,
  ) {
    super(`${step} failed (${detail}); last lines of its output:\n${outputTail}`);
    this.name = 'InstallStepError';
  }
}

/** Throws a `MissingToolError` with `hint` when `command --version`-style `args` cannot run. */
export function requireTool(command: string, args: readonly string[], hint: string): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  if (result.error || result.status !== 0) throw new MissingToolError(command, hint);
  return `${result.stdout}${result.stderr}`.trim();
}

export interface InstallStep {
  /** Names the step in the progress line and the error: "go install helm". */
  readonly step: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly progress: ProgressLine;
}

/**
 * Runs one tool to its end, each output line on the progress line; a non-zero exit throws an
 * `InstallStepError` with the last 30 lines. The tool runs in a process group of its own, killed
 * whole (go and its compilers) when this process exits or is interrupted.
 */
export async function runInstallStep({ step, command, args, cwd, env, progress }: InstallStep): Promise<void> {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const removeCleanup = addTerminationCleanup(() => {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  });
  const output: string[] = [];
  const onLine = (line: string): void => {
    output.push(line);
    if (output.length > 30) output.shift();
    progress.update(`${step}: ${line.trim().slice(0, 90)}`);
  };
  readline.createInterface({ input: child.stdout }).on('line', onLine);
  readline.createInterface({ input: child.stderr }).on('line', onLine);
  progress.update(step);
  const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | Error>((resolve) => {
    child.once('error', resolve);
    child.once('close', (code, signal) => resolve({ code, signal }));
  }).finally(removeCleanup);
  if (ended instanceof Error) throw new InstallStepError(step, output.join('\n'), `cannot run ${command}: ${ended.message}`);
  if (ended.code !== 0) throw new InstallStepError(step, output.join('\n'), ended.signal ? `killed by ${ended.signal}` : `exit ${ended.code}`);
}
