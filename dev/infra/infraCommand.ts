import { parseArgs } from 'node:util';
import fs from 'node:fs';
import { infraPaths, type InfraPaths } from './infraPaths';
import { bringUp, describeState, type LocalInfra, localInfraFromEnv } from './localInfra';
import type { LocalKafka } from './localKafka';
import { LocalKafkaCluster } from './localKafkaCluster';

const usage = `Usage: npm run infra:<up|down|status|reset> [-- --no-phoenix] [-- --brokers 3]
       (or: tsx dev/infra/infraCommand.ts <up|down|status|reset> [--no-phoenix] [--brokers 3])

  up      install (first time) and start a local Kafka broker, Temporal dev server and Arize
          Phoenix (traces); reuses what already runs, safe to repeat
  down    stop exactly what 'up' started
  reset   stop, then delete Kafka's, Temporal's and Phoenix's data (downloads are kept): a clean slate
  status  show what runs where

  --no-phoenix   leave Phoenix out (same as INFRA_PHOENIX=false)
  --brokers 3    a KRaft cluster of 3 combined broker+controller nodes instead of one broker
                 (same as INFRA_KAFKA_BROKERS=3; 1 is the single broker); 3: clients on 9092/9094/9096, controllers on
                 19093/29093/39093, topics replicated 3 times with min.insync.replicas=2

Environment: KAFKA_BROKERS (first entry, default 127.0.0.1:9092; with N brokers, one entry per
node or every second port from the first), KAFKA_CONTROLLER_PORT (default broker port + 1),
KAFKA_CONTROLLER_PORTS (cluster: one per node, default 19093,29093,39093), INFRA_KAFKA_BROKERS
(default 1), KAFKA_VERSION, KAFKA_HEAP (default 768m; 512m per cluster node), TEMPORAL_ADDRESS
(default 127.0.0.1:7233), TEMPORAL_UI_PORT (default 8233), TEMPORAL_CLI, PHOENIX_PORT
(default 6006), PHOENIX_GRPC_PORT (default 4317), INFRA_PHOENIX (default true), PYTHON,
RESEARCH_RELAY_CACHE_DIR.`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' }, 'no-phoenix': { type: 'boolean' }, brokers: { type: 'string' } },
  });
  const command = positionals[0];
  if (values.help || command === undefined) {
    console.log(usage);
    return command === undefined && !values.help ? 2 : 0;
  }
  const infra = localInfraFromEnv({
    ...process.env,
    ...(values['no-phoenix'] ? { INFRA_PHOENIX: 'false' } : {}),
    ...(values.brokers === undefined ? {} : { INFRA_KAFKA_BROKERS: values.brokers }),
  });
  switch (command) {
    case 'up':
      return up(infra);
    case 'down':
      return down(infra);
    case 'reset': {
      await Promise.all([infra.kafka.down(), infra.otherKafka?.down(), infra.temporal.down(), infra.phoenix?.down()]);
      const removed = [...resetData(infraPaths(), [infra.kafka, ...(infra.otherKafka ? [infra.otherKafka] : [])]), ...(infra.phoenix?.resetData() ?? [])];
      console.log(`removed ${removed.length ? removed.join(', ') : 'nothing (no data yet)'}; npm run infra:up starts afresh`);
      return 0;
    }
    case 'status':
      return status(infra);
    default:
      console.error(`unknown command '${command}'\n\n${usage}`);
      return 2;
  }
}

async function up(infra: LocalInfra): Promise<number> {
  const started = Date.now();
  await bringUp(infra);
  await status(infra);
  console.log(`Temporal UI: ${infra.temporal.uiUrl}`);
  if (infra.phoenix) console.log(`Phoenix UI: ${infra.phoenix.uiUrl} (OTLP/HTTP ${infra.phoenix.otlpHttpEndpoint}, OTLP/gRPC ${infra.phoenix.otlpGrpcEndpoint})`);
  console.log(`infra up in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return 0;
}

async function down(infra: LocalInfra): Promise<number> {
  // Whichever Kafka topology runs: `infra:down` needs no --brokers to stop the cluster.
  const [kafka, otherKafka, temporal, phoenix] = await Promise.all([infra.kafka.down(), infra.otherKafka?.down(), infra.temporal.down(), infra.phoenix?.down()]);
  const outcome = (stopped: boolean | undefined): string => (stopped ? 'stopped' : 'was not started by infra:up');
  console.log(`Kafka: ${outcome(kafka || otherKafka)}`);
  console.log(`Temporal: ${outcome(temporal)}`);
  console.log(`Phoenix: ${phoenix === undefined ? 'skipped (INFRA_PHOENIX=false)' : outcome(phoenix)}`);
  return 0;
}

/** Prints one line per server; exit code 3 when one of them is not running. */
async function status(infra: LocalInfra): Promise<number> {
  // The topology that runs, even when the other one was asked for.
  const other = infra.otherKafka;
  const shown = other && (await other.state().catch(() => undefined))?.kind === 'ours' && (await infra.kafka.state().catch(() => undefined))?.kind !== 'ours' ? other : infra.kafka;
  const kafka = await kafkaStatus(shown);
  const temporal = await infra.temporal.state();
  const phoenix = await infra.phoenix?.state();
  console.log(describeState('Temporal', infra.temporal.address, temporal, infra.temporal.logFile));
  const fairness = infra.temporal.fairness(temporal);
  if (fairness === true) console.log('  priority and fairness: on (live requests before replays, tenants in turn)');
  if (fairness === false) console.log('  priority and fairness: OFF — started without their settings; to turn them on: npm run infra:down && npm run infra:up');
  if (infra.phoenix && phoenix) {
    console.log(describeState('Phoenix', infra.phoenix.address, phoenix, infra.phoenix.logFile, infra.phoenix.uiUrl));
  } else {
    console.log('Phoenix: skipped (INFRA_PHOENIX=false)');
  }
  return [kafka, temporal, phoenix].some((state) => state?.kind === 'stopped') ? 3 : 0;
}

/** Prints the broker's line, or a cluster's line and one per node; the state is stopped when a node is. */
async function kafkaStatus(kafka: LocalKafka | LocalKafkaCluster): Promise<{ kind: string }> {
  if (!(kafka instanceof LocalKafkaCluster)) {
    const state = await kafka.state();
    console.log(describeState('Kafka', kafka.address, state, kafka.logFile));
    return state;
  }
  const states = await Promise.all(kafka.nodes.map((node) => node.state()));
  console.log(`Kafka: a ${kafka.size}-node KRaft cluster, KAFKA_BROKERS=${kafka.address}`);
  kafka.nodes.forEach((node, index) => {
    const state = states[index] ?? { kind: 'stopped' };
    console.log(`  ${describeState(`node ${node.nodeId}`, `${node.address} (controller ${node.controllerPort})`, state, node.logFile)}`);
  });
  return states.find((state) => state.kind === 'stopped') ?? states[0] ?? { kind: 'stopped' };
}

/** Deletes Kafka's and Temporal's data (topics, offsets, workflow histories), not the downloaded software. */
function resetData(paths: InfraPaths, kafkas: readonly (LocalKafka | LocalKafkaCluster)[]): string[] {
  const clusters = kafkas.filter((kafka) => kafka instanceof LocalKafkaCluster).map((cluster) => cluster.directory);
  const targets = [paths.kafkaData, ...clusters, paths.temporalDb, `${paths.temporalDb}-journal`, `${paths.temporalDb}-wal`, `${paths.temporalDb}-shm`];
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
