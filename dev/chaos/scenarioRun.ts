import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { prefixedNameVariables } from '../../src/config/prefixedNames';
import { ensureTopics } from '../../src/kafka/topicProvisioner';
import { stopKafkajsIdleLoop } from '../../src/kafka/kafkajsIdleLoop';
import { defaultCorpusDirectory } from '../../src/search/searchProviderFromConfig';
import { startStandInServer } from '../standIn';
import type { Observation, Tally } from './chaosLedger';
import type { ChaosScale } from './chaosScale';
import type { ChaosScenario, ScenarioContext } from './chaosScenario';
import type { ChaosServers } from './chaosServers';
import { awaitDrain } from './drainWatch';
import { stormClientTimeoutMs } from './modelFaultStorm';
import { RelayFleet } from './relayFleet';
import { RequestTraffic } from './requestTraffic';
import { listRuns } from './runSnapshot';
import { consumerLag, readTopicsToEnd } from './topicSnapshot';

export interface ScenarioRunOptions {
  readonly servers: ChaosServers;
  readonly scale: ChaosScale;
  readonly seed: string;
  /** Makes the scenario's topics, group, task queue and workflow ids unique: `chaos-<runId>-s<id>`. */
  readonly runId: string;
  readonly logDirectory: string;
  readonly log?: (line: string) => void;
  /** Where scenarios that name no broker count run: the single broker (1, default) or the cluster (3). */
  readonly brokers?: 1 | 3;
}

export interface ScenarioResult {
  readonly scenario: ChaosScenario;
  /** The brokers it ran on: 1, or the 3-broker cluster. */
  readonly brokers: 1 | 3;
  readonly tally: Tally;
  readonly drainMs: number | undefined;
  /** Every record accounted for and the picture stable before the deadline. */
  readonly settled: boolean;
  /** Proof that the fault happened; empty when it did not. */
  readonly proofs: readonly string[];
  readonly notes: readonly string[];
  /** Relay processes that exited without being asked to (and were restarted). */
  readonly unplannedExits: readonly string[];
}

/** Timeouts and retries short enough for a run of minutes, the same code paths as production. */
const chaosRelayEnv: NodeJS.ProcessEnv = {
  TOPIC_PARTITIONS: '3',
  OPENAI_API_KEY: 'sk-chaos-suite',
  OPENAI_TIMEOUT_MS: String(stormClientTimeoutMs),
  OPENAI_MAX_RETRIES: '1',
  // The sample corpus, named: a compatible server has no search of its own to default to.
  SEARCH_PROVIDER: 'local-corpus',
  SEARCH_CORPUS_DIR: defaultCorpusDirectory,
  LLM_ACTIVITY_TIMEOUT_MS: '10000',
  LLM_ACTIVITY_ATTEMPTS: '5',
  LLM_RETRY_INITIAL_MS: '200',
  CONSUMER_SESSION_TIMEOUT_MS: '10000',
  WORKER_SHUTDOWN_GRACE_MS: '5000',
  OTEL_SDK_DISABLED: 'true',
  LOG_LEVEL: 'info',
  // Several relays per host: each takes a free port for /metrics, /healthz and /readyz.
  SERVICE_HTTP_PORT: '0',
};

/**
 * Runs one scenario end to end: its own topics and names, a stand-in model server with the
 * scenario's faults, the relay as real processes, the driver, then the drain and the ledger.
 * Everything it started is stopped before it returns, whatever happened.
 */
export async function runScenario(scenario: ChaosScenario, options: ScenarioRunOptions): Promise<ScenarioResult> {
  if (scenario.needsServerControl && !options.servers.control) throw new Error(`scenario ${scenario.id} kills servers and needs private ones`);
  const brokers = scenario.brokers ?? options.brokers ?? 1;
  if (brokers === 3 && !options.servers.cluster) throw new Error(`scenario ${scenario.id} runs on a 3-broker cluster, and none was started`);
  const kafkaBrokers = brokers === 3 && options.servers.cluster ? options.servers.cluster.kafkaBrokers : options.servers.kafkaBrokers;
  const tag = `chaos-${options.runId}-s${scenario.id}`;
  const names = chaosNames(tag);
  const topics = [names.TOPIC_REQUESTED, names.TOPIC_COMPLETED, names.TOPIC_FAILED, names.TOPIC_DLQ, names.TOPIC_PROGRESS, names.TOPIC_CANCEL];
  const log = (line: string): void => options.log?.(`[${scenario.id}] ${line}`);
  stopKafkajsIdleLoop();
  const kafka = new Kafka({ clientId: tag, brokers: kafkaBrokers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  // Progress and cancels are left to the relay, which creates them with its own settings.
  await createTopics(kafka, topics.slice(0, 4));
  const standIn = await startStandInServer({ latencyMs: scenario.modelLatencyMs ?? 0, ...(scenario.faultPlan ? { faults: scenario.faultPlan(options.seed) } : {}) });
  const env = { ...process.env, ...chaosRelayEnv, ...names, KAFKA_BROKERS: kafkaBrokers, TEMPORAL_ADDRESS: options.servers.temporalAddress, OPENAI_BASE_URL: standIn.baseUrl, ...scenario.env };
  // Consumers log each outcome (debug) so the drivers see starts and redeliveries as they happen.
  const fleet = new RelayFleet(env, path.join(options.logDirectory, tag), (role) => (role === 'consumer' ? { LOG_LEVEL: 'debug' } : {}));
  const traffic = new RequestTraffic(kafka, names.TOPIC_REQUESTED);
  const records = scenario.records(tag, options.scale, options.seed);
  const proofs: string[] = [];
  const notes: string[] = [];
  let faultEndedAt: number | undefined;
  const context: ScenarioContext = {
    records, traffic, fleet, standIn, scale: options.scale,
    kafkaBrokers: kafkaBrokers.split(','), requestTopic: names.TOPIC_REQUESTED, completedTopic: names.TOPIC_COMPLETED, topics, kafka,
    serverControl: () => {
      if (!options.servers.control) throw new Error('no control over these servers');
      return options.servers.control;
    },
    fired: (proof) => proofs.push(proof),
    note: (line) => notes.push(line),
    faultEnded: () => (faultEndedAt = Date.now()),
    log,
  };
  try {
    await traffic.connect();
    for (let index = 0; index < (scenario.workers ?? 1); index += 1) await fleet.start('worker');
    for (let index = 0; index < (scenario.consumers ?? 1); index += 1) await fleet.start('consumer');
    log(`${records.length} records, ${scenario.title}${brokers === 3 ? ', on 3 brokers' : ''}`);
    await scenario.drive(context);
    const ended = faultEndedAt ?? Date.now();
    const drain = await awaitDrain({
      records, workflowIdPrefix: names.WORKFLOW_ID_PREFIX, faultEndedAt: ended, deadline: ended + options.scale.drainDeadlineMs,
      observe: () => observe(kafka, options.servers.temporalAddress, names),
      onProgress: (tally) => log(`accounted ${tally.sent - tally.lost}/${tally.sent}, runs ${tally.runs} (${tally.openRuns} open), terminal ${tally.terminalEvents}, dlq ${tally.dlqRecords}`),
    });
    scenario.afterDrain?.(context, drain.tally);
    return { scenario, brokers, tally: drain.tally, drainMs: drain.drainMs, settled: drain.settled, proofs, notes, unplannedExits: fleet.unplannedExits };
  } finally {
    await fleet.stop();
    await traffic.disconnect();
    await standIn.stop();
  }
}

/** The relay's names for one scenario (topics, group, task queue, workflow-id prefix). */
interface ChaosNames extends Record<string, string> {
  readonly TOPIC_REQUESTED: string;
  readonly TOPIC_COMPLETED: string;
  readonly TOPIC_FAILED: string;
  readonly TOPIC_DLQ: string;
  readonly TOPIC_PROGRESS: string;
  readonly TOPIC_CANCEL: string;
  readonly CONSUMER_GROUP_ID: string;
  readonly WORKFLOW_ID_PREFIX: string;
}

function chaosNames(tag: string): ChaosNames {
  const names = prefixedNameVariables(tag);
  const name = (variable: string): string => {
    const value = names[variable];
    if (value === undefined) throw new Error(`prefixedNameVariables gave no ${variable}`);
    return value;
  };
  return {
    ...names,
    TOPIC_REQUESTED: name('TOPIC_REQUESTED'),
    TOPIC_COMPLETED: name('TOPIC_COMPLETED'),
    TOPIC_FAILED: name('TOPIC_FAILED'),
    TOPIC_DLQ: name('TOPIC_DLQ'),
    TOPIC_PROGRESS: name('TOPIC_PROGRESS'),
    TOPIC_CANCEL: name('TOPIC_CANCEL'),
    CONSUMER_GROUP_ID: name('CONSUMER_GROUP_ID'),
    WORKFLOW_ID_PREFIX: name('WORKFLOW_ID_PREFIX'),
  };
}

async function createTopics(kafka: Kafka, topics: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // On the cluster the brokers' defaults make them 3 copies with min.insync.replicas 2 (the cluster scenarios check it).
    await ensureTopics(admin, topics, 3);
  } finally {
    await admin.disconnect();
  }
}

async function observe(kafka: Kafka, temporalAddress: string, names: ChaosNames): Promise<Observation> {
  const [records, runs, lag] = await Promise.all([
    readTopicsToEnd(kafka, [names.TOPIC_COMPLETED, names.TOPIC_FAILED, names.TOPIC_DLQ]),
    listRuns(temporalAddress, names.WORKFLOW_ID_PREFIX),
    consumerLag(kafka, names.CONSUMER_GROUP_ID, names.TOPIC_REQUESTED),
  ]);
  const dlq = names.TOPIC_DLQ;
  return { terminal: records.filter((record) => record.topic !== dlq), deadLetters: records.filter((record) => record.topic === dlq), runs, lag };
}

