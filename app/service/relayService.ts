import type { NativeConnection, Worker } from '@temporalio/worker';
import type { Kafka, Producer } from 'kafkajs';
import type { IngestConsumer, IngestOutcome } from '../../consumers/ingestConsumer';
import type { RelayConfig } from '../../src/config/relayConfig';
import { ConfigurationError } from '../../src/errors';
import { createKafka } from '../../src/kafka/kafkaClient';
import { provisionRelayTopics } from '../../src/kafka/topicProvisioner';
import { describeWeakReplication, replicationPromise } from '../../src/kafka/topicReplication';
import type { Logger } from '../../src/logging/logger';
import type { BackoffPolicy } from '../../src/retry/backoff';
import { activeMetricsPipeline, currentMetricsPipeline } from '../../src/telemetry/metricsPipeline';
import { activeTelemetry } from '../../src/telemetry/telemetry';
import type { TemporalClientHandle } from '../../src/temporal/temporalClient';
import { TemporalReachability } from '../../src/temporal/temporalReachability';
import type { ModelAccess } from './modelAccess';
import { ServiceHttpServer } from './serviceHttpServer';
import { livenessOf, readinessOf, type ProbedService } from './serviceProbes';

export interface RelayServiceOptions {
  readonly config: RelayConfig;
  readonly logger: Logger;
  /** Which halves run in this process (both by default; scale them apart with --role). */
  readonly roles?: { readonly consumer: boolean; readonly worker: boolean };
  /** Called once per acknowledged record: started, duplicate, cancel (with its result) or dead-lettered. */
  readonly onOutcome?: (outcome: IngestOutcome) => void;
  /** Backoff of the consumer while Temporal or the DLQ is unavailable. */
  readonly backoff?: BackoffPolicy;
  /** A pre-built workflow bundle (tests, benchmarks); otherwise the build's, or workflows/ bundled at start. */
  readonly workflowBundle?: { code: string };
  /** false: no HTTP port (an application embedding the service that serves its own probes and metrics). */
  readonly httpPort?: boolean;
}

interface ServiceParts {
  consumer?: IngestConsumer;
  temporal?: TemporalClientHandle;
  worker?: Worker;
  workerConnection?: NativeConnection;
  producer?: Producer;
  models?: ModelAccess;
  http?: ServiceHttpServer;
}

type Roles = ProbedService['roles'];

/**
 * research-relay in one process: the ingest consumer (Kafka → Temporal) and the worker
 * (agents → Kafka), and the HTTP port that serves `/metrics`, `/healthz` and `/readyz`.
 * `npm start` runs it until SIGINT/SIGTERM.
 *
 * @example
 * const service = await RelayService.start({ config: loadRelayConfig(process.env), logger });
 * process.once('SIGTERM', () => void service.stop());
 */
export class RelayService {
  private stopping: Promise<void> | undefined;
  private workerRun: Promise<void> | undefined;
  private readonly parts: ServiceParts = {};
  private readonly temporalChecks: TemporalReachability[] = [];
  private consumerCrash: Error | undefined;

  private constructor(
    private readonly logger: Logger,
    private readonly roles: Roles,
    private readonly taskQueue: string,
  ) {}

  /**
   * Opens the HTTP port first (so `/healthz` answers while the worker bundles its workflows),
   * then starts the configured roles; on failure, whatever started is stopped again.
   */
  static async start(options: RelayServiceOptions): Promise<RelayService> {
    const roles = options.roles ?? { consumer: true, worker: true };
    const kafka = createKafka(options.config.kafka, options.logger);
    const service = new RelayService(options.logger, roles, options.config.temporal.taskQueue);
    try {
      if (options.httpPort !== false) await service.openHttpPort(options.config);
      await provisionTopics(kafka, options.config, options.logger);
      if (roles.worker) await service.startWorker(kafka, options);
      if (roles.consumer) await service.startConsumer(kafka, options);
      return service;
    } catch (error) {
      await service.stop().catch(() => undefined);
      throw error;
    }
  }

  /** Settles when the worker stops by itself (a fatal error); never while all is well. */
  get workerDone(): Promise<void> {
    return this.workerRun ?? new Promise<void>(() => undefined);
  }

  /** The port `/metrics`, `/healthz` and `/readyz` answer on (the chosen one when SERVICE_HTTP_PORT=0). */
  get httpPort(): number | undefined {
    return this.parts.http?.port;
  }

  /** Rejects when the ingest consumer crashed for good; never settles while all is well. */
  get consumerCrashed(): Promise<never> {
    return this.parts.consumer?.crashed ?? new Promise<never>(() => undefined);
  }

  /**
   * Ordered shutdown: `/readyz` answers 503 from the first moment; stop consuming (in-flight
   * starts settle, offsets commit), then drain and stop the worker, then the producer, the
   * embedded model server and the connections; the HTTP port closes last, so `/healthz` and
   * `/metrics` answer throughout the drain. Concurrent calls share one shutdown.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      try {
        await this.parts.consumer?.stop();
      } finally {
        try {
          await this.stopWorker();
        } finally {
          try {
            await this.closeClients();
          } finally {
            await this.parts.http?.close();
          }
        }
      }
    })();
    return this.stopping;
  }

  private async openHttpPort(config: RelayConfig): Promise<void> {
    const probed = (): ProbedService => ({
      roles: this.roles,
      stopping: this.stopping !== undefined,
      taskQueue: this.taskQueue,
      temporal: this.temporalChecks.map((reachability) => () => reachability.check()),
      ...(this.parts.consumer ? { consumer: this.parts.consumer } : {}),
      ...(this.consumerCrash ? { consumerCrash: this.consumerCrash } : {}),
      ...(this.parts.worker ? { worker: this.parts.worker } : {}),
    });
    const metrics = activeMetricsPipeline();
    const http = (this.parts.http = await ServiceHttpServer.start(
      config.serviceHttp,
      { liveness: () => livenessOf(probed()), readiness: () => readinessOf(probed()), metrics: (request, response) => metrics.serveScrape(request, response) },
      this.logger,
    ));
    const url = `http://${http.host.includes(':') ? `[${http.host}]` : http.host}:${http.port}`;
    this.logger.info('service HTTP port listening', { url, paths: ['/metrics', '/healthz', '/readyz'], otlpMetrics: metrics.otlpDestination ?? 'off' });
  }

  private async startWorker(kafka: Kafka, options: RelayServiceOptions): Promise<void> {
    const { config, logger } = options;
    // Loaded here, not at the top: a consumer-only process never needs the worker's side
    // (@temporalio/worker with its native core, the agents, the OpenAI client), which held
    // most of its memory when it was loaded regardless of the role.
    const [{ resolveModelAccess }, { createResearchWorker }, { PriceTable }] = await Promise.all([
      import('./modelAccess.js'),
      import('./researchWorker.js'),
      import('../../src/llm/priceTable.js'),
    ]);
    const models = (this.parts.models = await resolveModelAccess(config.llm, logger));
    const producer = (this.parts.producer = kafka.producer());
    await producer.connect();
    const { worker, connection } = await createResearchWorker({
      config,
      logger,
      openai: models.openai,
      searchProvider: models.searchProvider,
      producer,
      prices: PriceTable.fromEnv(),
      models: models.models,
      ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : {}),
    });
    this.parts.worker = worker;
    this.parts.workerConnection = connection;
    this.temporalChecks.push(new TemporalReachability(connection));
    this.workerRun = worker.run().catch((error: unknown) => {
      logger.error('worker stopped with an error', { error });
      throw error;
    });
    logger.info('worker running', { taskQueue: config.temporal.taskQueue, namespace: config.temporal.namespace, models: models.models });
  }

  private async startConsumer(kafka: Kafka, options: RelayServiceOptions): Promise<void> {
    // Loaded here for the same reason as the worker's side: a worker-only process has no use
    // for the ingest path or the Temporal client.
    const [{ IngestConsumer }, { connectTemporalClient }, { checkTemporalSettings }] = await Promise.all([
      import('../../consumers/ingestConsumer.js'),
      import('../../src/temporal/temporalClient.js'),
      import('../../src/temporal/temporalSettingsCheck.js'),
    ]);
    const temporal = (this.parts.temporal = await connectTemporalClient(options.config.temporal));
    this.temporalChecks.push(new TemporalReachability(temporal.client.connection));
    const { retentionMs } = await checkTemporalSettings(temporal.client, options.config.temporal);
    const maxAgeMs = options.config.requestMaxAgeMs ?? retentionMs;
    this.parts.consumer = new IngestConsumer({
      ...(maxAgeMs !== undefined ? { maxAgeMs } : {}),
      kafka,
      temporal: temporal.client,
      config: options.config,
      logger: options.logger.child({ component: 'ingest' }),
      ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
    });
    this.parts.consumer.crashed.catch((error: unknown) => (this.consumerCrash = error instanceof Error ? error : new Error(String(error))));
    await this.parts.consumer.start();
  }

  private async stopWorker(): Promise<void> {
    const { worker } = this.parts;
    if (worker && worker.getState() === 'RUNNING') worker.shutdown();
    await this.workerRun?.catch(() => undefined);
  }

  private async closeClients(): Promise<void> {
    const { producer, models, workerConnection, temporal } = this.parts;
    await producer?.disconnect().catch((error: unknown) => this.logger.warn('producer disconnect failed', { error }));
    await models?.close().catch(() => undefined);
    await workerConnection?.close().catch(() => undefined);
    await temporal?.close().catch(() => undefined);
    // Spans of the last runs leave before the process does (bounded by the export timeout);
    // so do metrics pushed over OTLP, when they are.
    // Only a pipeline that runs: stopping must not start (and register globally) one that never did.
    await Promise.all([activeTelemetry().flush(), currentMetricsPipeline()?.flush()]).catch(() => undefined);
  }
}

/** Creates the relay's topics where missing; an unreachable broker is named with its variable. */
async function provisionTopics(kafka: Kafka, config: RelayConfig, logger: Logger): Promise<void> {
  try {
    const { created, stampedByProducers, replication, weakReplication } = await provisionRelayTopics(kafka, config);
    if (created.length > 0) logger.info('created topics', { topics: created, partitions: config.topicPartitions, replicationFactor: replication.factor, minInsyncReplicas: replication.minInsyncReplicas });
    if (weakReplication === undefined) {
      logger.warn(`could not read the replication of the relay's topics (Describe refused?): not losing acknowledged records needs ${replicationPromise}`, { topics: Object.values(config.topics) });
    }
    for (const weak of weakReplication ?? []) logger.warn(describeWeakReplication(weak), { topic: weak.topic, replicationFactor: weak.factor, minInsyncReplicas: weak.minInsyncReplicas, brokers: weak.brokers });
    if (stampedByProducers === undefined) {
      logger.warn('could not read message.timestamp.type of the intake topics (DescribeConfigs refused?): where they keep producer time, request ages rely on producer clocks (REQUEST_MAX_CLOCK_SKEW_MS bounds it)', { topics: [config.topics.requested, config.topics.cancel] });
    } else if (stampedByProducers.length > 0) {
      const advice = 'set message.timestamp.type=LogAppendTime on them, or keep REQUEST_MAX_CLOCK_SKEW_MS small';
      logger.warn(`records of ${stampedByProducers.join(', ')} carry their producer's clock (message.timestamp.type=CreateTime): request ages rely on it; ${advice}`, { topics: stampedByProducers });
    }
  } catch (error) {
    throw provisioningError(error, config);
  }
}

/** Refusals of CreateTopics that name our settings or rights, not the network: said as such. */
const topicRefusals = new Set(['INVALID_REPLICATION_FACTOR', 'INVALID_CONFIG', 'POLICY_VIOLATION', 'INVALID_PARTITIONS', 'TOPIC_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED', 'INVALID_REQUEST']);

/** The Kafka error type of a refusal (kafkajs: `type`, maybe inside an aggregate or a cause); undefined for anything else. */
function topicRefusal(error: unknown, depth = 0): string | undefined {
  if (!(error instanceof Error) || depth > 4) return undefined;
  const { type, errors } = error as Error & { type?: unknown; errors?: unknown };
  if (typeof type === 'string' && topicRefusals.has(type)) return type;
  const inner = Array.isArray(errors) ? errors.map((each) => topicRefusal(each, depth + 1)).find((found) => found !== undefined) : undefined;
  return inner ?? topicRefusal(error.cause, depth + 1);
}

/** Why the topics could not be made: a refusal of our settings is not a broker out of reach. */
function provisioningError(error: unknown, config: RelayConfig): Error {
  if (error instanceof ConfigurationError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const refusal = topicRefusal(error);
  if (refusal !== undefined) {
    const replication = `TOPIC_PARTITIONS=${config.topicPartitions}, TOPIC_REPLICATION_FACTOR=${config.topicReplication.factor ?? 'default'}, TOPIC_MIN_INSYNC_REPLICAS=${config.topicReplication.minInsyncReplicas ?? 'default'}`;
    const hint = refusal === 'INVALID_REPLICATION_FACTOR' ? 'the replication factor must not exceed the brokers of the cluster' : 'create the topics yourself, or allow these settings';
    return new Error(`Kafka at ${config.kafka.brokers.join(',')} refused to create the relay's topics (${refusal}; ${replication}): ${hint}: ${message}`, { cause: error });
  }
  return new Error(`cannot reach Kafka at ${config.kafka.brokers.join(',')} (KAFKA_BROKERS): ${message}`, { cause: error });
}
