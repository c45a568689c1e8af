import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { ensureHelm } from '../k8sTools/helmInstall';
import { ensurePrometheus } from '../k8sTools/prometheusInstall';
import { ensureLlamaServer } from '../llamaServer/llamaServerBuild';
import { ensureTinyModel } from '../llamaServer/tinyModel';
import { BringUpError, bringUp, localInfraFromEnv, stopStarted, type StartedServers } from './localInfra';
import { sleep } from './managedProcess';

/**
 * `tsx dev/infra/withInfra.ts <command...>`: brings the local Kafka, Temporal and Phoenix
 * (unless `INFRA_PHOENIX=false`) up, runs the command, then stops whatever this run started
 * (servers that were already running are left as they were). Used by `npm test` and
 * `npm run bench`, so a fresh clone needs nothing started by hand. Phoenix is only started
 * and stopped here: how the command exports its traces is its own configuration. The command
 * runs in a process group of its own: what it leaves running when it ends (a server started by
 * a test file that was cut off by its time limit) is named and stopped.
 *
 * `--with-k8s-tools` (before the command) installs Helm and Prometheus/promtool for the chart's tests.
 * `--with-llama-server` (before the command) first builds llama.cpp's llama-server and writes the
 * tiny test model (both cached), so a fresh clone builds once, with progress, outside any test's
 * time limit.
 */
async function main(): Promise<number> {
  const leading = process.argv.slice(2);
  const flags = new Set<string>();
  while (leading[0] === '--with-llama-server' || leading[0] === '--with-k8s-tools') flags.add(leading.shift() ?? '');
  const command = leading;
  if (command.length === 0 || command[0] === '--help') {
    console.log('Usage: tsx dev/infra/withInfra.ts [--with-llama-server] [--with-k8s-tools] <command> [args...]');
    return command.length === 0 ? 2 : 0;
  }
  // Installed before anything starts: until the command runs, a signal ends this process (its exit
  // kills a build's compilers, see addTerminationCleanup); then it is forwarded to the command.
  let child: ChildProcess | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (child?.pid !== undefined) signalGroup(child.pid, signal);
    else process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (flags.has('--with-llama-server') && !(await prepareSteps(llamaServerSteps))) return 1;
  if (flags.has('--with-k8s-tools') && !(await prepareSteps(k8sToolSteps))) return 1;
  const infra = localInfraFromEnv();
  let started: StartedServers;
  try {
    started = await bringUp(infra);
  } catch (error) {
    console.error(`could not start the local infrastructure: ${error instanceof Error ? error.message : String(error)}`);
    // What did start (the other servers) is stopped again: this run leaves nothing behind.
    if (error instanceof BringUpError) await stopStarted(infra, error.started);
    return 1;
  }
  try {
    const [program, ...args] = command as [string, ...string[]];
    const running = spawn(program, args, {
      stdio: 'inherit',
      shell: false,
      detached: true,
      env: { ...process.env, KAFKA_BROKERS: infra.kafka.address, TEMPORAL_ADDRESS: infra.temporal.address },
    });
    child = running;
    const code = await new Promise<number>((resolve) => {
      running.once('error', (error) => {
        console.error(`cannot run ${program}: ${error.message}`);
        resolve(127);
      });
      running.once('close', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
    });
    if (running.pid !== undefined) await stopLeftovers(running.pid);
    return code;
  } finally {
    await stopStarted(infra, started);
  }
}

type PrepareStep = readonly [failure: string, run: () => Promise<unknown>];

/** llama-server and the tiny model the suite serves with it (`--with-llama-server`). */
const llamaServerSteps: readonly PrepareStep[] = [
  ['could not build llama-server', () => ensureLlamaServer()],
  ['could not write the tiny test model', () => ensureTinyModel()],
];

/** Helm (a `go install` of minutes) and Prometheus/promtool for the chart's tests (`--with-k8s-tools`). */
const k8sToolSteps: readonly PrepareStep[] = [
  ['could not install Helm', () => ensureHelm()],
  ['could not install Prometheus and promtool', () => ensurePrometheus()],
];

/** Runs each step unless cached, before any test's time limit starts; false (after saying which failed, and why) when one fails. */
async function prepareSteps(steps: readonly PrepareStep[]): Promise<boolean> {
  for (const [failure, step] of steps) {
    try {
      await step();
    } catch (error) {
      console.error(`${failure}: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  }
  return true;
}

/** Stops what the command left running in its process group, saying what: a run should leave nothing. */
async function stopLeftovers(group: number): Promise<void> {
  const left = groupMembers(group);
  if (left.length > 0) {
    console.error(`the command left ${left.length} process(es) running; stopping them:\n${left.map((line) => `  ${line}`).join('\n')}`);
    signalGroup(group, 'SIGTERM');
    for (const deadline = Date.now() + 10_000; groupMembers(group).length > 0 && Date.now() < deadline; ) await sleep(200);
  }
  // Also when ps could not list them.
  signalGroup(group, 'SIGKILL');
}

/** `pid command` of each live process in the group (a zombie has exited already). */
function groupMembers(group: number): string[] {
  const listed = spawnSync('ps', ['-A', '-o', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' });
  return (listed.stdout ?? '')
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && Number(match[2]) === group && !match[3]?.startsWith('Z'))
    .map((match) => `${match[1]} ${match[4]}`);
}

function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // ESRCH: nothing is left in the group.
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
