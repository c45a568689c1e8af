import { SpanKind } from '@opentelemetry/api';
import type { Client } from '@temporalio/client';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { RelayConfig } from '../src/config/relayConfig';
import { ConcurrencyLimit } from '../src/concurrency/concurrencyLimit';
import { InvalidRequestError } from '../src/errors';
import type { Logger } from '../src/logging/logger';
import { defaultBackoff, retryWithBackoff, type BackoffPolicy } from '../src/retry/backoff';
import { activeTraceHeaders, contextFromHeaders } from '../src/telemetry/kafkaTraceContext';
import { recordSpanFailure } from '../src/telemetry/spanFailure';
import { relayTracer } from '../src/telemetry/tracer';
import type { ResearchTuning } from '../workflows/researchWorkflowInput';
import { BatchAcknowledgement } from './batchAcknowledgement';
import { writeDeadLetter } from './deadLetterWriter';
import { decodeRequest, type MessageLocation } from './requestDecoder';
import { requestTraceFrom } from './requestTrace';
import { startResearchRun } from './researchRunStarter';

/** How one consumed record ended. Every record ends as exactly one of these. */
export type IngestOutcome =
  | { readonly kind: 'started'; readonly requestId: string; readonly workflowId: string; readonly location: MessageLocation; readonly producedAt: number }
  | { readonly kind: 'duplicate'; readonly requestId: string; readonly workflowId: string; readonly location: MessageLocation; readonly producedAt: number }
  | { readonly kind: 'dead-lettered'; readonly reason: string; readonly location: MessageLocation; readonly producedAt: number };

export interface IngestConsumerOptions {
  readonly kafka: Kafka;
  readonly temporal: Client;
  readonly config: RelayConfig;
  readonly logger: Logger;
  /** Tuning handed to every run (retry settings of the agents, search concurrency). */
  readonly tuning?: Partial<ResearchTuning>;
  /** Backoff while Temporal or the DLQ is unavailable. */
  readonly backoff?: BackoffPolicy;
  /** Called once per acknowledged record (metrics, benchmarks, tests). */
  readonly onOutcome?: (outcome: IngestOutcome) => void;
}

/**
 * Kafka → Temporal: reads `research.requested`, starts one ResearchWorkflow per request under
 * the id `research-<requestId>`, dead-letters what cannot be a request, and commits an offset
 * only once everything up to it is acknowledged. While Temporal is unreachable it backs off
 * and retries (heart-beating, so the group keeps the partition) and never skips a record.
 */
export class IngestConsumer {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly limit: ConcurrencyLimit;
  private readonly abort = new AbortController();
  private stopping: Promise<void> | undefined;
  private producerConnected = false;

  constructor(private readonly options: IngestConsumerOptions) {
    const { kafka, config } = options;
    this.consumer = kafka.consumer({
      groupId: config.consumerGroupId,
      sessionTimeout: config.sessionTimeoutMs,
      heartbeatInterval: Math.floor(config.sessionTimeoutMs / 10),
      maxBytesPerPartition: 1_048_576,
    });
    this.producer = kafka.producer();
    this.limit = new ConcurrencyLimit(config.ingestConcurrency);
  }

  /** Connects and starts consuming; resolves once the consumer runs. */
  async start(): Promise<void> {
    const { config, logger } = this.options;
    await this.producer.connect();
    this.producerConnected = true;
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: config.topics.requested, fromBeginning: true });
    await this.consumer.run({
      eachBatchAutoResolve: false,
      autoCommit: true,
      // Lets commitOffsetsIfNecessary() commit acknowledged offsets while a batch is held up.
      autoCommitInterval: 2000,
      partitionsConsumedConcurrently: Math.max(1, Math.min(config.topicPartitions, 16)),
      eachBatch: (payload) => this.processBatch(payload),
    });
    logger.info('ingest consumer running', { topic: config.topics.requested, groupId: config.consumerGroupId });
  }

  /**
   * Stops fetching, lets in-flight starts settle, commits what is acknowledged, disconnects.
   * Concurrent and repeated calls share one shutdown.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.abort.abort();
      try {
        await this.consumer.disconnect();
      } finally {
        if (this.producerConnected) await this.producer.disconnect();
        this.options.logger.info('ingest consumer stopped');
      }
    })();
    return this.stopping;
  }

  private async processBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const acks = new BatchAcknowledgement(batch.messages.map((message) => message.offset));
    const heartbeat = (): Promise<void> => payload.heartbeat();
    const canContinue = (): boolean => payload.isRunning() && !payload.isStale() && !this.abort.signal.aborted;
    // kafkajs heart-beats only when asked: a large batch of slow starts must not outlive the
    // session and lose the partition mid-batch.
    const heartbeats = setInterval(() => void heartbeat().catch(() => undefined), 1000);
    try {
      await Promise.all(
        batch.messages.map((message) =>
          this.limit.run(async () => {
            if (!canContinue()) return;
            const location = { topic: batch.topic, partition: batch.partition, offset: message.offset };
            const acknowledged = await this.handle(message, location, heartbeat, canContinue);
            if (!acknowledged) return;
            const committable = acks.acknowledge(message.offset);
            if (committable !== undefined) payload.resolveOffset(committable);
          }),
        ),
      );
    } finally {
      clearInterval(heartbeats);
    }
    if (canContinue()) await payload.commitOffsetsIfNecessary();
  }

  /**
   * Handles one record inside a `<topic> process` span whose parent is the producer's context
   * from the record's headers: with eachBatch the kafkajs instrumentation only links messages,
   * so we continue each producer's trace ourselves. Returns true once the record is durably
   * handled; false when shutdown interrupted it.
   */
  private handle(message: KafkaMessage, location: MessageLocation, heartbeat: () => Promise<void>, canContinue: () => boolean): Promise<boolean> {
    const attributes = {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': location.topic,
      'messaging.destination.partition.id': String(location.partition),
      'messaging.kafka.offset': Number(location.offset),
      'messaging.consumer.group.name': this.options.config.consumerGroupId,
    };
    return relayTracer().startActiveSpan(`${location.topic} process`, { kind: SpanKind.CONSUMER, attributes }, contextFromHeaders(message.headers), async (span) => {
      try {
        const handled = await this.handleInSpan(message, location, heartbeat, canContinue, (outcome) => span.setAttribute('research.ingest.outcome', outcome));
        if (!handled) span.setAttribute('research.ingest.outcome', 'interrupted');
        return handled;
      } catch (error) {
        recordSpanFailure(span, error);
        throw error;
      } finally {
        span.end();
      }
    });
  }

  private async handleInSpan(
    message: KafkaMessage,
    location: MessageLocation,
    heartbeat: () => Promise<void>,
    canContinue: () => boolean,
    noteOutcome: (outcome: string) => void,
  ): Promise<boolean> {
    const { config, logger } = this.options;
    const producedAt = Number(message.timestamp);
    let request;
    try {
      request = decodeRequest(message, location, config.maxMessageBytes);
    } catch (error) {
      if (!(error instanceof InvalidRequestError)) throw error;
      const written = await this.untilDone(
        async () => {
          await writeDeadLetter(this.producer, config.topics.deadLetter, message, error);
          return true as const;
        },
        'dead-letter write',
        location,
        heartbeat,
        canContinue,
      );
      if (!written) return false;
      logger.warn('request dead-lettered', { reason: error.reason, detail: error.message, ...location });
      noteOutcome(`dead-lettered:${error.reason}`);
      this.options.onOutcome?.({ kind: 'dead-lettered', reason: error.reason, location, producedAt });
      return true;
    }

    // The trace the run belongs to: this span's (which continues the producer's), or, with
    // telemetry off, the producer's traceparent header or a new trace.
    const trace = traceOf(activeTraceHeaders()) ?? requestTraceFrom(message.headers);
    const outcome = await this.untilDone(
      () => startResearchRun(this.options.temporal, config, { request, trace, location, ...(this.options.tuning ? { tuning: this.options.tuning } : {}) }),
      'workflow start',
      location,
      heartbeat,
      canContinue,
    );
    if (!outcome) return false;
    noteOutcome(outcome.kind);
    logger.debug(outcome.kind === 'started' ? 'workflow started' : 'duplicate request: run already exists', { workflowId: outcome.workflowId, ...location });
    this.options.onOutcome?.({ kind: outcome.kind, requestId: request.requestId, workflowId: outcome.workflowId, location, producedAt });
    return true;
  }

  /**
   * Retries an acknowledgement step (start, DLQ write) until it succeeds or we stop.
   * Every failure here is the infrastructure's, not the record's: nothing is skipped.
   */
  private async untilDone<T>(
    step: () => Promise<T>,
    what: string,
    location: MessageLocation,
    heartbeat: () => Promise<void>,
    canContinue: () => boolean,
  ): Promise<T | undefined> {
    try {
      return await retryWithBackoff(step, {
        policy: this.options.backoff ?? defaultBackoff,
        shouldRetry: () => canContinue(),
        signal: this.abort.signal,
        whileWaiting: heartbeat,
        onRetry: (error, attempt, delayMs) =>
          this.options.logger.warn(`${what} failed; retrying`, { attempt, delayMs, error, ...location }),
      });
    } catch (error) {
      if (!canContinue()) return undefined;
      throw error;
    }
  }
}

function traceOf(headers: { traceparent: string; tracestate?: string } | undefined): { traceparent: string; tracestate?: string; traceId: string } | undefined {
  const traceId = headers?.traceparent.split('-')[1];
  return headers && traceId ? { ...headers, traceId } : undefined;
}
