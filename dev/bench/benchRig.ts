import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Kafka, Producer } from 'kafkajs';
import { prefixedNameVariables } from '../../src/config/prefixedNames';
import { loadRelayConfig, type RelayConfig } from '../../src/config/relayConfig';
import { createKafka } from '../../src/kafka/kafkaClient';
import { provisionRelayTopics } from '../../src/kafka/topicProvisioner';
import { silentLogger } from '../../src/logging/logger';
import { defaultCorpusDirectory } from '../../src/search/searchProviderFromConfig';
import { temporalConnectionOptions } from '../../src/temporal/temporalConnectionOptions';
import { temporalDataConverter } from '../../src/temporal/temporalDataConverter';
import { OtlpTraceReceiver } from '../../test/support/otlpTraceReceiver';
import { startPrivateServers, type PrivateServers } from '../chaos/privateServers';
import { startPrivateKafkaCluster, type PrivateKafkaCluster } from '../infra/privateKafkaCluster';
import { ProgressLine } from '../infra/progressLine';
import { killRelayProcesses, startRelayProcess, type RelayProcess, type RelayRole } from './relayProcess';
import { startStandInProcess, type StandInProcess } from './standInProcess';

/** One part of the benchmark's own topics, group, task queue and workflow ids (a prefix each). */
export interface BenchScope {
  readonly config: RelayConfig;
  readonly env: NodeJS.ProcessEnv;
  /** A client and a connected producer of the Kafka this scope's topics live on. */
  readonly kafka: Kafka;
  readonly producer: Producer;
  /** Starts the compiled relay with this scope's names, its output in the run's log directory. */
  startRelay(role: RelayRole): Promise<RelayProcess>;
}

/** What the benchmark sets up once: private servers, a trace receiver, the stand-in model, clients. */
export interface BenchRig {
  readonly id: string;
  readonly servers: PrivateServers;
  readonly kafka: Kafka;
  readonly producer: Producer;
  readonly client: Client;
  readonly telemetry: string;
  /** The relay processes' spans arrive here (telemetry on); it counts them unless asked to keep them. */
  readonly receiver: OtlpTraceReceiver | undefined;
  /** Topics created, names of its own: each part measures on a clean slate. */
  scope(name: string): Promise<BenchScope>;
  /** Starts a private 3-broker KRaft cluster (the same Temporal, stand-in and receiver) for one part; `stop` takes it away again. */
  kafkaCluster(): Promise<{ readonly address: string; scope(name: string): Promise<BenchScope>; stop(): Promise<void> }>;
  tearDown(): Promise<void>;
}

/** What runs so far, so that a failed set-up or an interrupt stops it too. */
const running: { servers?: PrivateServers; cluster?: PrivateKafkaCluster; standIn?: StandInProcess; receiver?: OtlpTraceReceiver } = {};

/** Stops the relay processes, the private servers, the stand-in and the receiver; safe to call twice. */
export async function stopBenchProcesses(): Promise<void> {
  killRelayProcesses();
  await running.cluster?.stop();
  await running.servers?.stop();
  await running.standIn?.stop();
  await running.receiver?.stop().catch(() => undefined);
}

/**
 * Private Kafka and Temporal (fresh data, free ports, Temporal with the settings `infra:up`
 * gives it), so that figures depend neither on how long the shared servers ran nor on who
 * else uses them; the stand-in model at zero latency in a process of its own; with telemetry
 * on, every relay process exports its spans over OTLP gRPC to a receiver started here.
 */
export async function setUpBenchRig(options: { telemetry: boolean }): Promise<BenchRig> {
  const id = `perfbench-${Date.now().toString(36)}`;
  const progress = new ProgressLine('private Kafka and Temporal');
  const servers = (running.servers = await startPrivateServers(id));
  progress.done(`Kafka ${servers.kafkaBrokers}, Temporal ${servers.temporalAddress}`);
  const standIn = (running.standIn = await startStandInProcess({ latencyMs: 0 }));
  const receiver = options.telemetry ? (running.receiver = await OtlpTraceReceiver.start({ countOnly: true })) : undefined;
  const baseEnv: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_BROKERS: servers.kafkaBrokers,
    TEMPORAL_ADDRESS: servers.temporalAddress,
    OPENAI_BASE_URL: standIn.baseUrl,
    OPENAI_API_KEY: 'bench',
    SEARCH_PROVIDER: 'local-corpus',
    SEARCH_CORPUS_DIR: defaultCorpusDirectory,
    LOG_LEVEL: 'warn',
    OPENAI_TIMEOUT_MS: '15000',
    LLM_ACTIVITY_TIMEOUT_MS: '60000',
    WORKER_SHUTDOWN_GRACE_MS: '1000',
    ...(receiver ? { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcEndpoint, OTEL_SDK_DISABLED: 'false' } : { OTEL_SDK_DISABLED: 'true' }),
  };
  const config = loadRelayConfig(baseEnv);
  const kafka = createKafka(config.kafka, silentLogger, 'perf-bench');
  const producer = kafka.producer();
  await producer.connect();
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: temporalDataConverter(config.temporal.payloadEncryption) });
  const scopeOn = (base: NodeJS.ProcessEnv, onKafka: Kafka, onProducer: Producer) => async (name: string): Promise<BenchScope> => {
    const env = { ...base, ...prefixedNameVariables(`${id}-${name}`) };
    const scoped = loadRelayConfig(env);
    await provisionRelayTopics(onKafka, scoped);
    const logFile = path.join(servers.logDirectory, `relay-${name}.log`);
    return { config: scoped, env, kafka: onKafka, producer: onProducer, startRelay: (role) => startRelayProcess(role, env, logFile) };
  };
  const scope = scopeOn(baseEnv, kafka, producer);
  const kafkaCluster: BenchRig['kafkaCluster'] = async () => {
    const clusterProgress = new ProgressLine('private 3-broker Kafka cluster');
    const started = (running.cluster = await startPrivateKafkaCluster({ runId: `${id}-cluster` }));
    clusterProgress.done(started.cluster.address);
    const env = { ...baseEnv, KAFKA_BROKERS: started.cluster.address };
    const clusterKafka = createKafka(loadRelayConfig(env).kafka, silentLogger, 'perf-bench-cluster');
    const clusterProducer = clusterKafka.producer();
    try {
      await clusterProducer.connect();
    } catch (error) {
      await started.stop();
      throw error;
    }
    const stop = async (): Promise<void> => {
      await clusterProducer.disconnect().catch(() => undefined);
      await started.stop();
      running.cluster = undefined;
    };
    return { address: started.cluster.address, scope: scopeOn(env, clusterKafka, clusterProducer), stop };
  };
  const tearDown = async (): Promise<void> => {
    await producer.disconnect().catch(() => undefined);
    await connection.close().catch(() => undefined);
    await stopBenchProcesses();
  };
  const telemetry = receiver ? `on (OTLP gRPC to a receiver at ${receiver.grpcEndpoint})` : 'off (OTEL_SDK_DISABLED=true)';
  return { id, servers, kafka, producer, client, telemetry, receiver, scope, kafkaCluster, tearDown };
}
