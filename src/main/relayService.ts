import { Client, type Connection } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { Producer } from 'kafkajs';
import { IngestConsumer, type IngestOutcome } from '../../consumers/ingestConsumer';
import type { ResearchTuning } from '../../workflows/researchWorkflowInput';
import type { RelayConfig } from '../config/relayConfig';
import { createKafka } from '../kafka/kafkaClient';
import { ensureTopics } from '../kafka/topicProvisioner';
import { PriceTable } from '../llm/priceTable';
import type { Logger } from '../logging/logger';
import type { BackoffPolicy } from '../retry/backoff';
import { connectTemporal } from '../temporal/temporalConnection';
import { tracingClientInterceptors } from '../telemetry/temporalTracing';
import { activeTelemetry } from '../telemetry/telemetry';
import { createResearchWorker } from '../worker/researchWorker';
import { resolveModelAccess, type ModelAccess } from './modelAccess';

export interface RelayServiceOptions {
  readonly config: RelayConfig;
  readonly logger: Logger;
  /** Which halves run in this process (both by default; scale them apart with --role). */
  readonly roles?: { readonly consumer: boolean; readonly worker: boolean };
  readonly tuning?: Partial<ResearchTuning>;
  readonly onOutcome?: (outcome: IngestOutcome) => void;
  /** Backoff of the consumer while Temporal or the DLQ is unavailable. */
  readonly backoff?: BackoffPolicy;
  readonly workflowBundle?: { code: string };
  readonly prices?: PriceTable;
}

/**
 * research-relay in one process: the ingest consumer (Kafka → Temporal) and the worker
 * (agents → Kafka). `npm start` runs it until SIGINT/SIGTERM.
 */
export class RelayService {
  private stopping: Promise<void> | undefined;
  private workerRun: Promise<void> | undefined;

  private constructor(
    private readonly logger: Logger,
    private readonly parts: {
      consumer?: IngestConsumer;
      temporalConnection?: Connection;
      worker?: Worker;
      workerConnection?: NativeConnection;
      producer?: Producer;
      models?: ModelAccess;
    },
  ) {}

  /** Starts the configured roles; on failure, whatever started is stopped again. */
  static async start(options: RelayServiceOptions): Promise<RelayService> {
    const { config, logger } = options;
    const roles = options.roles ?? { consumer: true, worker: true };
    const kafka = createKafka(config.kafka, logger);
    const service = new RelayService(logger, {});
    try {
      const admin = kafka.admin();
      try {
        await admin.connect();
        const created = await ensureTopics(
          admin,
          [config.topics.requested, config.topics.completed, config.topics.failed, config.topics.deadLetter],
          config.topicPartitions,
        );
        if (created.length > 0) logger.info('created topics', { topics: created, partitions: config.topicPartitions });
      } catch (error) {
        throw new Error(`cannot reach Kafka at ${config.kafka.brokers.join(',')} (KAFKA_BROKERS): ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      } finally {
        await admin.disconnect();
      }

      if (roles.worker) {
        service.parts.models = await resolveModelAccess(config.llm, logger);
        service.parts.producer = kafka.producer();
        await service.parts.producer.connect();
        const { worker, connection } = await createResearchWorker({
          config,
          logger,
          openai: service.parts.models.openai,
          searchProvider: service.parts.models.searchProvider,
          producer: service.parts.producer,
          prices: options.prices ?? PriceTable.fromEnv(),
          models: service.parts.models.models,
          ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : {}),
        });
        service.parts.worker = worker;
        service.parts.workerConnection = connection;
        service.workerRun = worker.run().catch((error: unknown) => {
          logger.error('worker stopped with an error', { error });
          throw error;
        });
        logger.info('worker running', { taskQueue: config.temporal.taskQueue, namespace: config.temporal.namespace, models: service.parts.models.models });
      }

      if (roles.consumer) {
        service.parts.temporalConnection = await connectTemporal(config.temporal);
        const temporal = new Client({
          connection: service.parts.temporalConnection,
          namespace: config.temporal.namespace,
          interceptors: { workflow: tracingClientInterceptors() },
        });
        service.parts.consumer = new IngestConsumer({
          kafka,
          temporal,
          config,
          logger: logger.child({ component: 'ingest' }),
          ...(options.tuning ? { tuning: options.tuning } : {}),
          ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
          ...(options.backoff ? { backoff: options.backoff } : {}),
        });
        await service.parts.consumer.start();
      }
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

  /**
   * Ordered shutdown: stop consuming (in-flight starts settle, offsets commit), then drain and
   * stop the worker, then the producer, the embedded model server and the connections.
   * Concurrent calls share one shutdown.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const { consumer, worker, workerConnection, producer, models, temporalConnection } = this.parts;
      try {
        await consumer?.stop();
      } finally {
        try {
          if (worker && worker.getState() === 'RUNNING') worker.shutdown();
          await this.workerRun?.catch(() => undefined);
        } finally {
          await producer?.disconnect().catch((error: unknown) => this.logger.warn('producer disconnect failed', { error }));
          await models?.close().catch(() => undefined);
          await workerConnection?.close().catch(() => undefined);
          await temporalConnection?.close().catch(() => undefined);
          // Spans of the last runs leave before the process does (bounded by the export timeout).
          await activeTelemetry().flush().catch(() => undefined);
        }
      }
    })();
    return this.stopping;
  }
}
