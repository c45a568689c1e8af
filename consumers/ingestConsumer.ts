import { SpanKind } from '@opentelemetry/api';
import type { Client } from '@temporalio/client';
import type { Consumer, ConsumerConfig, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { ConcurrencyLimit } from '../src/concurrency/concurrencyLimit';
import { InFlightWindow } from '../src/concurrency/inFlightWindow';
import type { RelayConfig } from '../src/config/relayConfig';
import type { MessageLocation } from '../src/intake/requestDecoder';
import { RequestIntake, type IntakeControl, type IntakeMode, type IntakeOutcome } from '../src/intake/requestIntake';
import { limitInflatedBatchBytes } from '../src/kafka/cappedInflate';
import { KeyOrder } from '../src/kafka/keyOrder';
import { OffsetCommitter } from '../src/kafka/offsetCommitter';
import { PartitionProgress } from '../src/kafka/partitionProgress';
import { PartitionRevocation } from '../src/kafka/partitionRevocation';
import type { Logger } from '../src/logging/logger';
import type { BackoffPolicy } from '../src/retry/backoff';
import { observeConsumerLag, recordIngestOutcome } from '../src/telemetry/relayMetrics';
import { recordSpanFailure } from '../src/telemetry/spanFailure';
import { otelContextFromHeaders } from '../src/telemetry/traceContext';
import { relayTracer } from '../src/telemetry/tracer';
import { ConsumerLagProbe } from './consumerLag';
import { RequestsCatchUp } from './requestsCatchUp';

/** How one consumed record ended. Every record ends as exactly one of these. */
export type IngestOutcome = Exclude<IntakeOutcome, { kind: 'filtered' }> & { readonly location: MessageLocation; readonly producedAt: number };

export interface IngestConsumerOptions {
  readonly kafka: Kafka;
  readonly temporal: Client;
  readonly config: RelayConfig;
  readonly logger: Logger;
  /** Backoff while Temporal or the DLQ is unavailable. */
  readonly backoff?: BackoffPolicy;
  /** Called once per acknowledged record (metrics, benchmarks, tests). */
  readonly onOutcome?: (outcome: IngestOutcome) => void;
  /** Records older than this are dead-lettered as `expired` (default: no limit). */
  readonly maxAgeMs?: number;
}

/**
 * The work of one group generation (from a join to the next, or to shutdown): after a rejoin,
 * kafkajs fetches every partition it holds again from the last commit, so what was in flight
 * is stopped and its progress forgotten.
 */
interface Generation {
  readonly controller: AbortController;
  /** Aborts on shutdown, on a rejoin, or when a record failed for good. */
  readonly signal: AbortSignal;
  readonly progress: Map<string, PartitionProgress>;
}

/**
 * The ingest consumer's kafkajs settings for `config`'s group (the bench's bare-kafkajs
 * consumer uses them too, to time Kafka's own hop as the relay sees it).
 */
export function ingestConsumerSettings(config: RelayConfig): ConsumerConfig {
  return {
    groupId: config.consumerGroupId,
    sessionTimeout: config.sessionTimeoutMs,
    heartbeatInterval: Math.floor(config.sessionTimeoutMs / 10),
    // Small fetches: the window bounds what is in flight, and a fetch response waits in memory
    // until the window takes its records (a record larger than this still comes, alone).
    maxBytesPerPartition: 262_144,
    maxBytes: 1_048_576,
    // An idle fetch returns after this long; so does the fetch kafkajs makes while stop() has
    // every partition paused, which the disconnect waits for (kafkajs's default, 5 s, held up
    // every shutdown by up to 5 s). A record still comes as soon as it is written.
    maxWaitTimeInMs: 500,
  };
}

/** How far ahead of the oldest unfinished record the consumer fetches, in records per start slot. */
const windowPerSlot = 4;

/** The consumer's place in its group, for readiness: joined or not, and the partitions it holds. */
export interface GroupMembership {
  readonly joined: boolean;
  readonly groupId: string;
  readonly partitions: readonly number[];
}

/**
 * Kafka → Temporal: reads `research.requested` and takes every record through the intake path
 * (a run `research-<requestId>`, a cancel of that run, or a dead letter with its reason),
 * committing an offset only once everything up to it is acknowledged. Records of one key are
 * handled in partition order, others concurrently. While Temporal is unreachable it backs off
 * and retries (heart-beating, so the group keeps the partition) and never skips a record.
 *
 * Fetching is pipelined: a batch returns to kafkajs as soon as its records are handed out, so
 * the next fetch runs while their starts are in flight — a record never waits for the slowest
 * start of the batch before it (kafkajs fetches from the resolved offset, so records are
 * resolved when handed out, and offsets are committed by the consumer itself when durable).
 * At most a window of records is in flight; a full window holds the fetch (heart-beating).
 */
export class IngestConsumer {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly intake: RequestIntake;
  /** Live ingest: every record goes to the DLQ or starts its run (attaching to a run still going), or cancels it. */
  private readonly mode: IntakeMode;
  private readonly limit: ConcurrencyLimit;
  /** Cancels from their own topic take slots of their own: one waiting for its request's run never holds up a start. */
  private readonly cancelLimit: ConcurrencyLimit;
  private readonly catchUp: RequestsCatchUp;
  private readonly window: InFlightWindow;
  private readonly order = new KeyOrder();
  private readonly committer: OffsetCommitter;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private generation: Generation;
  /** A record's unexpected error, thrown from the next batch so that kafkajs retries as it does for a failed batch. */
  private failure: { readonly error: unknown } | undefined;
  private stopping: Promise<void> | undefined;
  private producerConnected = false;
  private membership: { joined: boolean; partitions: readonly number[] } = { joined: false, partitions: [] };
  private readonly lag: ConsumerLagProbe;
  private stopLagReports: (() => void) | undefined;
  private reportCrash!: (error: Error) => void;
  /**
   * Rejects when kafkajs gave up on the consumer for good (a crash it does not restart, e.g.
   * INCONSISTENT_GROUP_PROTOCOL): the consumer then reads nothing more, so its owner must end
   * the process (or start a new consumer) — it must not live on ingesting nothing.
   */
  readonly crashed = new Promise<never>((_resolve, reject) => (this.reportCrash = reject));

  constructor(private readonly options: IngestConsumerOptions) {
    limitInflatedBatchBytes(options.config.maxInflatedBatchBytes);
    const { kafka, config } = options;
    this.consumer = kafka.consumer(ingestConsumerSettings(config));
    this.producer = kafka.producer();
    const { temporal, logger, backoff } = options;
    this.catchUp = new RequestsCatchUp({ kafka, topic: config.topics.requested, groupId: config.consumerGroupId });
    const requestsTakenIn = (timestamp: number): Promise<boolean> => this.catchUp.passed(timestamp);
    this.intake = new RequestIntake({ temporal, producer: this.producer, config, logger, requestsTakenIn, ...(backoff ? { backoff } : {}) });
    this.limit = new ConcurrencyLimit(config.ingestConcurrency);
    this.cancelLimit = new ConcurrencyLimit(config.ingestConcurrency);
    this.window = new InFlightWindow(config.ingestConcurrency * windowPerSlot);
    this.generation = this.newGeneration();
    this.committer = new OffsetCommitter((offsets) => this.consumer.commitOffsets(offsets), logger, config.commitIntervalMs);
    // Nobody may be awaiting `crashed` yet: an unobserved rejection must not end the process by itself.
    this.crashed.catch(() => undefined);
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      if (event.payload.restart || this.abort.signal.aborted) return;
      const { error } = event.payload;
      options.logger.error('ingest consumer crashed and will not restart', { error, groupId: config.consumerGroupId });
      this.reportCrash(error instanceof Error ? error : new Error(String(error)));
    });
    this.watchMembership();
    this.lag = new ConsumerLagProbe({ kafka, topic: config.topics.requested, groupId: config.consumerGroupId, assigned: () => this.membership.partitions });
    this.mode = { conflict: 'use-existing', deadLetters: 'write', cancels: 'deliver', trace: 'continue', ...(options.maxAgeMs !== undefined ? { maxAgeMs: options.maxAgeMs } : {}) };
  }

  /** Connects and starts consuming; resolves once the consumer runs. */
  async start(): Promise<void> {
    const { config, logger } = this.options;
    await this.producer.connect();
    this.producerConnected = true;
    if (config.startPosition === 'latest') await this.startNewGroupAtEnd();
    await this.consumer.connect();
    // Always the beginning when kafkajs must reset (out of range): skipping records there would
    // lose them. CONSUMER_START_POSITION=latest positions a group without offsets above.
    await this.consumer.subscribe({ topics: this.intakeTopics(), fromBeginning: true });
    await this.consumer.run({
      eachBatchAutoResolve: false,
      // Resolved means handed out (the fetch position); the committer commits what is durable.
      autoCommit: false,
      partitionsConsumedConcurrently: Math.max(1, Math.min(config.topicPartitions, 16)),
      eachBatch: (payload) => this.processBatch(payload),
    });
    this.committer.start();
    this.stopLagReports = observeConsumerLag(() => this.lag.read());
    logger.info('ingest consumer running', { topics: this.intakeTopics(), groupId: config.consumerGroupId, maxAgeMs: this.options.maxAgeMs });
  }

  /** Whether the consumer is in its group now (readiness), and which partitions it holds. */
  get groupMembership(): GroupMembership {
    return { ...this.membership, groupId: this.options.config.consumerGroupId };
  }

  /**
   * Joined once kafkajs reports the group joined (after every rebalance too, with the new
   * assignment); out again when the consumer crashes, stops or disconnects. A rebalance in
   * progress keeps the old state: it is brief, and the next join replaces it.
   */
  private watchMembership(): void {
    const topic = this.options.config.topics.requested;
    const { GROUP_JOIN, CRASH, STOP, DISCONNECT, REBALANCING } = this.consumer.events;
    this.consumer.on(REBALANCING, () => this.rebalancing());
    this.consumer.on(GROUP_JOIN, (event) => {
      this.membership = { joined: true, partitions: event.payload.memberAssignment[topic] ?? [] };
      this.rejoined();
    });
    for (const left of [CRASH, STOP, DISCONNECT])
      this.consumer.on(left, () => {
        this.membership = { joined: false, partitions: [] };
        // Out of the group (a crash kafkajs may restart from): the partitions are someone else's now.
        this.generation.controller.abort(new Error('the consumer left its group'));
      });
  }

  /**
   * A group without committed offsets starts at the end of its topics (CONSUMER_START_POSITION=latest).
   * Kafka cannot tell a new group from one whose offsets expired (offsets.retention.minutes,
   * 7 days by default, after the group was last empty): both have none. So what is skipped is
   * counted and logged as a warning, naming the setting; `earliest` (the default) skips nothing.
   */
  private async startNewGroupAtEnd(): Promise<void> {
    const { kafka, config, logger } = this.options;
    const topics = this.intakeTopics();
    const admin = kafka.admin();
    await admin.connect();
    try {
      const committed = await admin.fetchOffsets({ groupId: config.consumerGroupId, topics });
      if (committed.some((topic) => topic.partitions.some((partition) => partition.offset !== '-1'))) return;
      const skipped = await this.positionAtEnd(admin, topics);
      logger.warn('consumer group without committed offsets starts at the end of its topics (CONSUMER_START_POSITION=latest): records already there are not read; a group whose offsets expired looks the same to Kafka', { groupId: config.consumerGroupId, skippedRecords: skipped });
    } catch (error) {
      // Another member already runs the group: it is not new, and it goes on where it was.
      logger.warn('could not position the new group at the end of the topic', { error });
    } finally {
      await admin.disconnect();
    }
  }

  /** Sets the group's offsets to the end of every topic; returns how many records that skips. */
  private async positionAtEnd(admin: ReturnType<Kafka['admin']>, topics: readonly string[]): Promise<number> {
    let skipped = 0;
    for (const topic of topics) {
      // Explicit end offsets: kafkajs's resetOffsets(earliest: false) stores -1, which reads as "none".
      const ends = await admin.fetchTopicOffsets(topic);
      skipped += ends.reduce((sum, { high, low }) => sum + Number(BigInt(high) - BigInt(low)), 0);
      await admin.setOffsets({ groupId: this.options.config.consumerGroupId, topic, partitions: ends.map(({ partition, high }) => ({ partition, offset: high })) });
    }
    return skipped;
  }

  /** The topics ingest reads: requests, and cancels on their own topic. */
  private intakeTopics(): string[] {
    return [this.options.config.topics.requested, this.options.config.topics.cancel];
  }

  /**
   * Stops fetching and the starts in flight (a start cut short is made again by whoever reads
   * the record next: starts are idempotent), commits what is acknowledged, disconnects.
   * Concurrent and repeated calls share one shutdown.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.abort.abort();
      this.stopLagReports?.();
      try {
        // No more fetches while the work in flight settles: each would return unresolved at once and fetch the same records again.
        if (this.membership.joined) this.consumer.pause(this.intakeTopics().map((topic) => ({ topic })));
        await Promise.allSettled([...this.inFlight]);
        // Before the disconnect: kafkajs commits only for a running consumer.
        await this.committer.stop();
        await this.consumer.disconnect();
      } finally {
        await this.lag.close();
        await this.catchUp.close();
        if (this.producerConnected) await this.producer.disconnect();
        this.options.logger.info('ingest consumer stopped');
      }
    })();
    return this.stopping;
  }

  private newGeneration(): Generation {
    const controller = new AbortController();
    return { controller, signal: AbortSignal.any([this.abort.signal, controller.signal]), progress: new Map() };
  }

  /**
   * The group rebalances (kafkajs is about to rejoin): the records in flight may be another
   * member's after the join, so their retries and Temporal calls stop now rather than race the
   * new owner. Whatever of them is not done is fetched again by its owner from the last commit.
   */
  private rebalancing(): void {
    if (this.generation.signal.aborted) return;
    // While the group prepares the rebalance it still takes this generation's commits: the records made durable are not fetched again.
    void this.committer.flush();
    this.generation.controller.abort(new Error('the consumer group is rebalancing'));
    this.reportRebalance();
  }

  private reportRebalance(): void {
    if (this.window.inFlight === 0) return;
    this.options.logger.warn('the group is rebalancing: stopped work on the partitions it held; their owners after the rebalance take the records not done', { inFlight: this.window.inFlight });
  }

  /** A (re)join: kafkajs fetches what this member holds from the last commit, so the work of before ends. */
  private rejoined(): void {
    this.generation.controller.abort(new Error('the consumer group was joined again'));
    this.generation = this.newGeneration();
    this.committer.forget();
    this.failure = undefined;
  }

  /**
   * Hands each record of the batch to the intake path (room in the window permitting) and
   * resolves it, so that kafkajs fetches on; returns without waiting for the starts. A
   * heart-beat that finds the group rebalancing while the window is full stops the work of
   * the generation and rejoins at once (see PartitionRevocation).
   */
  private async processBatch(payload: EachBatchPayload): Promise<void> {
    this.throwFailure();
    const { batch } = payload;
    const generation = this.generation;
    const key = `${batch.topic}:${batch.partition}`;
    const progress = generation.progress.get(key) ?? new PartitionProgress(this.window.size);
    generation.progress.set(key, progress);
    const ownership = new PartitionRevocation(generation.signal);
    let handedOut = 0;
    for (const message of batch.messages) {
      if (!payload.isRunning() || payload.isStale()) break;
      const beat = (): Promise<void> => ownership.heartbeat(() => payload.heartbeat());
      // Bounded distance from the oldest unfinished record of the partition, and bounded work in flight.
      if (!(await progress.room(ownership.signal, beat))) break;
      if (!(await this.window.enter(ownership.signal, beat))) {
        progress.giveBack();
        break;
      }
      this.handOut(message, { topic: batch.topic, partition: batch.partition, offset: message.offset }, progress, generation);
      payload.resolveOffset(message.offset);
      handedOut += 1;
    }
    // Only behind a batch handed out whole: past a record not handed out, nothing is done.
    if (handedOut === batch.messages.length) this.passControlRecords(payload, progress, generation);
    // One turn of the event loop before kafkajs goes on to its next fetch: the starts just handed
    // out reach their gRPC write first (their way there is all promise callbacks, which kafkajs's
    // own would otherwise interleave with). Measured: ~1.5 ms off the start call's p50 at half the
    // start ceiling, more near it.
    await new Promise((resolve) => setImmediate(resolve));
    if (ownership.revoked) {
      generation.controller.abort(ownership.error);
      this.reportRebalance();
      // kafkajs rejoins the group when a batch ends with a rebalance error.
      throw ownership.error;
    }
  }

  /**
   * A batch may end in records no consumer sees (a transaction's commit marker): once every
   * record before them is acknowledged they are done too, so the committed offset (and the lag)
   * reaches the end of the partition.
   */
  private passControlRecords(payload: EachBatchPayload, progress: PartitionProgress, generation: Generation): void {
    const { batch } = payload;
    const last = batch.messages.at(-1)?.offset;
    const end = batch.lastOffset();
    if (last === undefined || BigInt(end) <= BigInt(last) || !payload.isRunning() || payload.isStale() || generation.signal.aborted) return;
    progress.handOutDone(end);
    payload.resolveOffset(end);
    const committable = progress.acknowledge(end);
    if (committable !== undefined) this.committer.mark(batch.topic, batch.partition, committable);
  }

  /** One record on its way: in key order, within the concurrency limit; acknowledged when durable. */
  private handOut(message: KafkaMessage, location: MessageLocation, progress: PartitionProgress, generation: Generation): void {
    progress.handOut(message.offset);
    const control: IntakeControl = { signal: generation.signal, canContinue: () => !generation.signal.aborted };
    // Per topic: a cancel on the cancel topic may wait for its request's run, which the request
    // (same key, other topic) must then be free to start.
    const orderKey = message.key === null ? null : `${location.topic}\u0000${message.key.toString('latin1')}`;
    const task = this.order
      .run(orderKey, () =>
        this.limitFor(location.topic).run(async () => {
          if (generation.signal.aborted || !(await this.handle(message, location, control))) return;
          const committable = progress.acknowledge(message.offset);
          if (committable !== undefined && generation === this.generation) this.committer.mark(location.topic, location.partition, committable);
        }),
      )
      .catch((error: unknown) => {
        try {
          this.fail(error, generation);
        } catch (failed) {
          // Defensive: kafkajs refuses a seek when it holds no group (after a crash). The crash aborts
          // the generation first, so fail() returns before seeking; a refused seek must still never
          // become an unhandled rejection (the rejoin refetches from the commit anyway).
          this.options.logger.error('could not seek back after a failed record', { error: failed });
        }
      })
      .finally(() => {
        this.window.leave();
        this.inFlight.delete(task);
      });
    this.inFlight.add(task);
  }

  private limitFor(topic: string): ConcurrencyLimit {
    return topic === this.options.config.topics.cancel ? this.cancelLimit : this.limit;
  }

  /**
   * A record failed with an error no retry of the intake path handles (a defect, not Temporal
   * or Kafka away): the generation's work stops, its unfinished records are fetched again, and
   * the next batch throws the error — kafkajs then retries, restarts or gives up as it does for
   * any failed batch. Errors of work that was stopped anyway are no failures.
   */
  private fail(error: unknown, generation: Generation): void {
    if (generation.signal.aborted) return;
    this.options.logger.error('a record failed on the intake path; its records are read again from the first unfinished one', { error });
    this.failure = { error };
    generation.controller.abort(error);
    for (const [key, progress] of generation.progress) {
      const offset = progress.firstPending;
      const separator = key.lastIndexOf(':');
      if (offset !== undefined) this.consumer.seek({ topic: key.slice(0, separator), partition: Number(key.slice(separator + 1)), offset });
    }
  }

  private throwFailure(): void {
    const failure = this.failure;
    if (!failure) return;
    this.failure = undefined;
    this.generation = this.newGeneration();
    throw failure.error;
  }

  /**
   * Handles one record inside a `<topic> process` span whose parent is the producer's context
   * from the record's headers: with eachBatch the kafkajs instrumentation only links messages,
   * so we continue each producer's trace ourselves. Returns true once the record is durably
   * handled; false when shutdown or a rebalance interrupted it.
   */
  private handle(message: KafkaMessage, location: MessageLocation, control: IntakeControl): Promise<boolean> {
    const attributes = {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': location.topic,
      'messaging.destination.partition.id': String(location.partition),
      'messaging.kafka.offset': Number(location.offset),
      'messaging.consumer.group.name': this.options.config.consumerGroupId,
    };
    const parent = otelContextFromHeaders(message.headers);
    return relayTracer().startActiveSpan(`${location.topic} process`, { kind: SpanKind.CONSUMER, attributes }, parent, async (span) => {
      try {
        const outcome = await this.intake.admit(message, location, this.mode, control);
        span.setAttribute('research.ingest.outcome', outcome ? outcomeLabel(outcome) : 'interrupted');
        if (!outcome || outcome.kind === 'filtered') return outcome !== undefined;
        this.options.logger.debug(outcome.kind, { ...location, ...('workflowId' in outcome ? { requestId: outcome.requestId, workflowId: outcome.workflowId } : {}) });
        recordIngestOutcome({ topic: location.topic, groupId: this.options.config.consumerGroupId }, outcome);
        this.options.onOutcome?.({ ...outcome, location, producedAt: Number(message.timestamp) });
        return true;
      } catch (error) {
        recordSpanFailure(span, error);
        throw error;
      } finally {
        span.end();
      }
    });
  }
}

function outcomeLabel(outcome: IntakeOutcome): string {
  if (outcome.kind === 'dead-lettered') return `dead-lettered:${outcome.reason}`;
  return outcome.kind === 'cancel' ? `cancel:${outcome.result}` : outcome.kind;
}
