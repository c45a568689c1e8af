/*
 * `npm run chaos`: every scenario against private servers, one table at the end.
 */
import fs from 'node:fs';
import { installTemporalRuntimeLogging } from '../../app/service/temporalRuntimeLogging';
import { createLogger } from '../../src/logging/logger';
import { chaosUsage, parseChaosOptions } from './chaosOptions';
import { scenarioById } from './chaosScenarios';
import { formatChaosTable, passed } from './chaosTable';
import { startPrivateServers, type PrivateKafka, type PrivateServers } from './privateServers';
import { runScenario, type ScenarioResult } from './scenarioRun';

async function main(args: readonly string[]): Promise<number> {
  const options = parseChaosOptions(args);
  if (options === 'help') {
    console.log(chaosUsage);
    return 0;
  }
  if ('error' in options) {
    console.error(`chaos: ${options.error}\n\n${chaosUsage}`);
    return 2;
  }
  installTemporalRuntimeLogging(createLogger({ level: 'error', name: 'chaos' }), 'ERROR');
  const runId = Date.now().toString(36);
  const started = Date.now();
  console.log(`chaos run ${runId}: scale ${options.scale.name}, scenarios ${options.scenarios.join(',')}, seed ${options.seed}${options.brokers === 3 ? ', on 3 brokers where a scenario may choose' : ''}`);
  let servers: PrivateServers | undefined;
  const interrupted = (): void => {
    console.error('interrupted: stopping the private servers');
    void (servers?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const results: ScenarioResult[] = [];
  const errors: string[] = [];
  try {
    servers = await startPrivateServers(runId, process.env, { kafka: kafkaFor(options.scenarios, options.brokers) });
    console.log(`private Kafka ${servers.cluster ? `${servers.kafkaBrokers === servers.cluster.kafkaBrokers ? '' : `${servers.kafkaBrokers}, `}3-broker cluster ${servers.cluster.kafkaBrokers}` : servers.kafkaBrokers}, Temporal ${servers.temporalAddress}, logs in ${servers.logDirectory}`);
    for (const id of options.scenarios) {
      try {
        const result = await runScenario(scenarioById(id), { servers, scale: options.scale, seed: options.seed, runId, logDirectory: servers.logDirectory, brokers: options.brokers, log: (line) => console.log(line) });
        results.push(result);
        console.log(formatChaosTable([result]).split('\n').at(-1));
      } catch (error) {
        // One scenario that cannot run (a process that never became ready) does not hide the others' results.
        errors.push(`${id}. ERROR — ${error instanceof Error ? error.message : String(error)}`);
        console.error(errors.at(-1));
      }
    }
  } finally {
    await servers?.stop();
  }
  console.log(`\nchaos run ${runId} (scale ${options.scale.name}, seed ${options.seed}) in ${((Date.now() - started) / 60_000).toFixed(1)} min:\n`);
  console.log(formatChaosTable(results));
  for (const error of errors) console.log(error);
  const ok = errors.length === 0 && results.every(passed);
  if (ok && !options.keepLogs && servers) fs.rmSync(servers.directory, { recursive: true, force: true });
  else if (servers) console.log(`\nlogs kept in ${servers.logDirectory}`);
  return ok ? 0 : 1;
}

/** The Kafka the chosen scenarios run on: the single broker, the 3-broker cluster, or both. */
function kafkaFor(ids: readonly number[], brokers: 1 | 3): PrivateKafka {
  const counts = new Set(ids.map((id) => scenarioById(id).brokers ?? brokers));
  return counts.has(1) && counts.has(3) ? 'both' : counts.has(3) ? 'cluster' : 'single';
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
