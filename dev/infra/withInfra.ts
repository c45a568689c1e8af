import { spawn } from 'node:child_process';
import { BringUpError, bringUp, localInfraFromEnv, stopStarted, type StartedServers } from './localInfra';

/**
 * `tsx dev/infra/withInfra.ts <command...>`: brings the local Kafka, Temporal and Phoenix
 * (unless `INFRA_PHOENIX=false`) up, runs the command, then stops whatever this run started
 * (servers that were already running are left as they were). Used by `npm test` and
 * `npm run bench`, so a fresh clone needs nothing started by hand. Phoenix is only started
 * and stopped here: how the command exports its traces is its own configuration.
 */
async function main(): Promise<number> {
  const command = process.argv.slice(2);
  if (command.length === 0 || command[0] === '--help') {
    console.log('Usage: tsx dev/infra/withInfra.ts <command> [args...]');
    return command.length === 0 ? 2 : 0;
  }
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
    const child = spawn(program, args, {
      stdio: 'inherit',
      shell: false,
      env: { ...process.env, KAFKA_BROKERS: infra.kafka.address, TEMPORAL_ADDRESS: infra.temporal.address },
    });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    return await new Promise<number>((resolve) => {
      child.once('error', (error) => {
        console.error(`cannot run ${program}: ${error.message}`);
        resolve(127);
      });
      child.once('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    await stopStarted(infra, started);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
