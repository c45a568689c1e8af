import { parseArgs } from 'node:util';
import fs from 'node:fs';
import { infraPaths, type InfraPaths } from './infraPaths';
import { bringUp, describeState, localInfraFromEnv } from './localInfra';

const usage = `Usage: npm run infra:<up|down|status>   (or: tsx dev/infra/infraCommand.ts <up|down|status>)

  up      install (first time) and start a local Kafka broker and Temporal dev server;
          reuses what already runs, safe to repeat
  down    stop exactly what 'up' started
  reset   stop, then delete Kafka's and Temporal's data (downloads are kept): a clean slate
  status  show what runs where

Environment: KAFKA_BROKERS (first entry, default 127.0.0.1:9092), KAFKA_CONTROLLER_PORT
(default broker port + 1), KAFKA_VERSION, KAFKA_HEAP (default 768m), TEMPORAL_ADDRESS
(default 127.0.0.1:7233), TEMPORAL_UI_PORT (default 8233), TEMPORAL_CLI, RESEARCH_RELAY_CACHE_DIR.`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  const command = positionals[0];
  if (values.help || command === undefined) {
    console.log(usage);
    return command === undefined && !values.help ? 2 : 0;
  }
  const infra = localInfraFromEnv();
  switch (command) {
    case 'up': {
      const started = Date.now();
      await bringUp(infra);
      console.log(describeState('Kafka', infra.kafka.address, await infra.kafka.state(), infra.kafka.logFile));
      console.log(describeState('Temporal', infra.temporal.address, await infra.temporal.state(), infra.temporal.logFile));
      console.log(`Temporal UI: ${infra.temporal.uiUrl}`);
      console.log(`infra up in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      return 0;
    }
    case 'down': {
      const [kafka, temporal] = await Promise.all([infra.kafka.down(), infra.temporal.down()]);
      console.log(`Kafka: ${kafka ? 'stopped' : 'was not started by infra:up'}`);
      console.log(`Temporal: ${temporal ? 'stopped' : 'was not started by infra:up'}`);
      return 0;
    }
    case 'reset': {
      await Promise.all([infra.kafka.down(), infra.temporal.down()]);
      const removed = resetData(infraPaths());
      console.log(`removed ${removed.length ? removed.join(', ') : 'nothing (no data yet)'}; npm run infra:up starts afresh`);
      return 0;
    }
    case 'status': {
      const kafka = await infra.kafka.state();
      const temporal = await infra.temporal.state();
      console.log(describeState('Kafka', infra.kafka.address, kafka, infra.kafka.logFile));
      console.log(describeState('Temporal', infra.temporal.address, temporal, infra.temporal.logFile));
      return kafka.kind === 'stopped' || temporal.kind === 'stopped' ? 3 : 0;
    }
    default:
      console.error(`unknown command '${command}'\n\n${usage}`);
      return 2;
  }
}

/** Deletes the servers' data (topics, offsets, workflow histories), not the downloaded software. */
function resetData(paths: InfraPaths): string[] {
  const targets = [paths.kafkaData, paths.temporalDb, `${paths.temporalDb}-journal`, `${paths.temporalDb}-wal`, `${paths.temporalDb}-shm`];
  const existing = targets.filter((target) => fs.existsSync(target));
  for (const target of existing) fs.rmSync(target, { recursive: true, force: true });
  return existing;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`infra: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
