import { spawn } from 'node:child_process';
import readline from 'node:readline';
import type { ProgressLine } from './progressLine';
import { addTerminationCleanup } from './terminationCleanup';

/** A build or install step's tool failed; `outputTail` holds its last lines of output. */
export class ToolStepError extends Error {
  constructor(
    readonly step: string,
    readonly outputTail: string,
    detail: string,
  ) {
    super(`${step} failed (${detail}); last lines of its output:\n${outputTail}`);
    this.name = 'ToolStepError';
  }
}

export interface ToolStep {
  /** Names the step in the progress line and in the error: "configure (cmake)", "go install helm". */
  readonly step: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  /** The tool's environment; absent: this process's. */
  readonly env?: NodeJS.ProcessEnv;
  readonly progress: ProgressLine;
}

/**
 * Runs one tool to its end, each output line shown on the progress line; a non-zero exit (or a
 * tool that cannot start) throws a `ToolStepError` with the last 30 lines. The tool runs in a
 * process group of its own, killed whole (cmake, make and the compilers; go and its compiler) when this process
 * exits or is interrupted (see `addTerminationCleanup`).
 */
export async function runToolStep({ step, command, args, cwd, env, progress }: ToolStep): Promise<void> {
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
  if (ended instanceof Error) throw new ToolStepError(step, output.join('\n'), `cannot run ${command}: ${ended.message}`);
  if (ended.code !== 0) throw new ToolStepError(step, output.join('\n'), ended.signal ? `killed by ${ended.signal}` : `exit ${ended.code}`);
}
