import { ROOT_CONTEXT, SpanKind, trace as otelTrace } from '@opentelemetry/api';
import type { Client } from '@temporalio/client';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { ConcurrencyLimit } from '../../src/concurrency/concurrencyLimit';
import { RateLimiter } from '../../src/concurrency/rateLimiter';
import { OpenRunLimit } from './openRunLimit';
import type { RelayConfig } from '../../src/config/relayConfig';
import type { MessageLocation } from '../../src/intake/requestDecoder';
import { operatorAttempts, type IntakeControl, type IntakeMode, type IntakeOutcome, type RequestIntake } from '../../src/intake/requestIntake';
import { BatchAcknowledgement } from '../../src/kafka/batchAcknowledgement';
import type { Logger } from '../../src/logging/logger';
import { otelContextFromHeaders } from '../../src/telemetry/traceContext';
import { relayTracer } from '../../src/telemetry/tracer';
import { BatchRunLookup } from './batchRunLookup';
import { ReplayCommitter } from './replayCommitter';
import type { ReplayLayout } from './replayPlan';

export interface ReplayCounts {
  /** Runs started (in a dry run: runs that would start). */
  started: number;
  /** Requests that already have a run (skip-existing) or a run in this epoch (rerun). */
  existing: number;
  /** Records that are not valid requests: counted only (live ingest dead-letters them). */
  invalid: number;
  /** Requests left out by --where. */
  filtered: number;
  /** research.cancel events: skipped, never delivered and never a start. */
  cancels: number;
  errors: number;
}

export interface RangeReplaySettings {
  readonly kafka: Kafka;
  /** For the batched existence pre-check (the starts go through `intake`). */
  readonly temporal: Client;
  readonly intake: RequestIntake;
  readonly mode: IntakeMode;
  readonly config: RelayConfig;
  readonly logger: Logger;
  readonly groupId: string;
  readonly replayId: string;
  readonly layout: ReplayLayout;
  readonly dryRun: boolean;
  readonly concurrency: number;
  readonly ratePerSecond?: number;
  /** At most this many of the replay's runs open at once (a start waits for one to close). */
  readonly openRuns?: OpenRunLimit;
  readonly maxBytesPerPartition?: number;
  readonly signal?: AbortSignal;
  /** Called after every record. */
  readonly onRecord: () => void;
}

/**
 * Consumes one replay's range with the replay's own consumer group and takes each record
 * through the intake path, in a new trace linked to the request's original one. Ends when
 * every partition reached its end offset, the signal aborts, or the consumer crashes.
 */
/** A start that waited this long for room under the open-run limit is logged (once). */
const waitWarningMs = 30_000;

export class RangeReplay {
  readonly counts: ReplayCounts = { started: 0, existing: 0, invalid: 0, filtered: 0, cancels: 0, errors: 0 };
  readonly errorDetails: { readonly location: MessageLocation; readonly message: string }[] = [];
  processed = 0;
  private readonly limit: ConcurrencyLimit;
  private readonly rate: RateLimiter | undefined;
  private readonly abort = new AbortController();
  private readonly pending: Set<number>;
  private crashed: unknown;
  /** The open-run wait has been logged (once per replay). */
  private waitingSaid = false;
  private finish!: () => void;
  private readonly finished = new Promise<void>((resolve) => (this.finish = resolve));

  constructor(private readonly settings: RangeReplaySettings) {
    this.limit = new ConcurrencyLimit(settings.concurrency);
    this.rate = settings.ratePerSecond ? new RateLimiter(settings.ratePerSecond) : undefined;
    this.pending = new Set(settings.layout.pending);
    settings.signal?.addEventListener('abort', () => this.abort.abort(), { once: true });
    this.abort.signal.addEventListener('abort', () => this.finish(), { once: true });
  }

  async run(): Promise<void> {
    const consumer = this.createConsumer();
    await consumer.connect();
    await consumer.subscribe({ topic: this.settings.config.topics.requested, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: Math.max(1, this.settings.layout.end.size),
      eachBatch: (payload) => this.processBatch(consumer, payload),
    });
    await this.finished;
    await consumer.disconnect();
    if (this.crashed) throw this.crashed instanceof Error ? this.crashed : new Error('the replay consumer crashed');
  }

  private createConsumer(): Consumer {
    const { kafka, config, groupId, maxBytesPerPartition } = this.settings;
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: config.sessionTimeoutMs,
      heartbeatInterval: Math.floor(config.sessionTimeoutMs / 10),
      ...(maxBytesPerPartition ? { maxBytesPerPartition } : {}),
    });
    // Batches of only control records (transaction markers) or aborted records never reach
    // eachBatch; kafkajs still reports them here, so a range ending past one can finish.
    consumer.on(consumer.events.END_BATCH_PROCESS, (event) => {
      if (event.payload.topic === config.topics.requested) this.partitionReached(event.payload.partition, BigInt(event.payload.lastOffset) + 1n);
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) {
        this.crashed = event.payload.error;
        // Also ends starts waiting for room or for the rate: nothing starts after a crash.
        this.abort.abort();
        this.finish();
      }
    });
    return consumer;
  }

  private partitionReached(partition: number, nextOffset: bigint): void {
    if (nextOffset < BigInt(this.settings.layout.end.get(partition) ?? '0')) return;
    this.pending.delete(partition);
    if (this.pending.size === 0) this.finish();
  }

  private async processBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const partitionEnd = BigInt(this.settings.layout.end.get(batch.partition) ?? '0');
    const inRange = batch.messages.filter((message) => BigInt(message.offset) < partitionEnd);
    const committer = this.settings.dryRun ? undefined : new ReplayCommitter(consumer, batch.topic, batch.partition, JSON.stringify(this.settings.layout.plan));
    const firstOffset = inRange[0]?.offset;
    if (committer && firstOffset !== undefined) await committer.storePlan(firstOffset);
    const control: IntakeControl = {
      signal: this.abort.signal,
      canContinue: () => !this.abort.signal.aborted && payload.isRunning(),
      heartbeat: () => payload.heartbeat(),
      maxAttempts: operatorAttempts,
    };
    // Starts can wait on backoff or the rate limit: keep the group session alive meanwhile.
    const interval = setInterval(() => void payload.heartbeat().catch(() => undefined), 1000);
    try {
      await this.processRange(inRange, batch.partition, payload, committer, control);
    } finally {
      clearInterval(interval);
    }
    if (!control.canContinue()) return;
    await committer?.commit();
    // Past the range (or a batch holding only records beyond it): resolve the whole batch,
    // and judge completion by the batch's last offset, which counts control records too.
    if (inRange.length < batch.messages.length || inRange.length === 0) payload.resolveOffset(batch.lastOffset());
    this.partitionReached(batch.partition, BigInt(batch.lastOffset()) + 1n);
  }

  /** Handles the batch's records in range; resolving offsets moves kafkajs's fetch position on. */
  private async processRange(messages: KafkaMessage[], partition: number, payload: EachBatchPayload, committer: ReplayCommitter | undefined, control: IntakeControl): Promise<void> {
    const acks = new BatchAcknowledgement(messages.map((message) => message.offset));
    const topic = this.settings.config.topics.requested;
    const locations = messages.map((message) => ({ topic, partition, offset: message.offset }));
    const lookup = this.lookUpRuns(messages, locations);
    await Promise.all(
      messages.map((message, index) =>
        this.limit.run(async () => {
          if (!control.canContinue()) return;
          const location = locations[index] ?? { topic, partition, offset: message.offset };
          const listed = await lookup.listed(index);
          if (!control.canContinue()) return;
          if (!(await this.handle(message, location, control, listed))) return;
          const moved = acks.acknowledge(message.offset);
          if (moved !== undefined) {
            committer?.handledUpTo(moved);
            payload.resolveOffset(moved);
          }
          this.settings.onRecord();
          await committer?.maybeCommit();
        }),
      ),
    );
  }

  /**
   * The batch's existence pre-check: a run the visibility lists is counted as existing with no
   * call of its own (and takes no room under --max-open nor a --rate token: it starts nothing).
   * None where the intake would not take a listing as the answer: no list calls then.
   */
  private lookUpRuns(messages: readonly KafkaMessage[], locations: readonly MessageLocation[]): BatchRunLookup {
    const { intake, mode, temporal, logger } = this.settings;
    if (!intake.takesListedRuns(mode)) return new BatchRunLookup(temporal, [], logger);
    const workflowIds = messages.map((message, index) => {
      const location = locations[index];
      return location && intake.workflowIdOf(message, location, mode);
    });
    return new BatchRunLookup(temporal, workflowIds, logger, this.abort.signal);
  }

  /** One record: counted by its outcome; an error is counted and reported, never fatal. */
  private async handle(message: KafkaMessage, location: MessageLocation, control: IntakeControl, listed: boolean | undefined): Promise<boolean> {
    try {
      const outcome = await this.admitInReplaySpan(message, location, control, listed);
      if (!outcome) return false;
      this.count(outcome);
    } catch (error) {
      if (this.abort.signal.aborted) return false;
      this.counts.errors += 1;
      this.errorDetails.push({ location, message: error instanceof Error ? error.message : String(error) });
      this.settings.logger.warn('replay could not start a run', { ...location, error });
    }
    this.processed += 1;
    return true;
  }

  /** A replayed run gets a trace of its own, linked to the request's original trace. */
  private admitInReplaySpan(message: KafkaMessage, location: MessageLocation, control: IntakeControl, listed: boolean | undefined): Promise<IntakeOutcome | undefined> {
    const original = otelTrace.getSpanContext(otelContextFromHeaders(message.headers));
    const attributes = { 'research.replay.id': this.settings.replayId, 'research.replay.mode': this.settings.layout.plan.mode };
    const options = { kind: SpanKind.CONSUMER, root: true, links: original ? [{ context: original }] : [], attributes };
    return relayTracer().startActiveSpan('research.replay', options, ROOT_CONTEXT, async (span) => {
      try {
        const { openRuns } = this.settings;
        let roomTaken = false;
        const beforeStart = async (): Promise<void> => {
          if (openRuns) await this.roomForARun(openRuns);
          roomTaken = openRuns !== undefined;
          await this.rate?.take();
        };
        const mode = this.rate || openRuns ? { ...this.settings.mode, beforeStart } : this.settings.mode;
        let outcome: IntakeOutcome | undefined;
        try {
          outcome = await this.settings.intake.admit(message, location, mode, control, listed);
        } finally {
          // A duplicate may be this replay's own run (a start retried after a timeout, a resumed
          // replay) and still open: it keeps its room until it closes, like a started one.
          if (roomTaken && (outcome?.kind === 'started' || outcome?.kind === 'duplicate')) openRuns?.watch(outcome.workflowId);
          else if (roomTaken) openRuns?.release();
        }
        if (outcome && 'requestId' in outcome) span.setAttribute('research.request_id', outcome.requestId);
        return outcome;
      } finally {
        span.end();
      }
    });
  }

  /**
   * Waits for room under the open-run limit; says so once a start has waited half a minute
   * (with no worker running, a replay waits for good after its first runs).
   */
  private async roomForARun(openRuns: OpenRunLimit): Promise<void> {
    const warning = setTimeout(() => {
      if (this.waitingSaid) return;
      this.waitingSaid = true;
      this.settings.logger.warn(`replay waiting: ${openRuns.count} of its runs are open, the most it keeps (--max-open ${openRuns.max}); it starts more as they close — is a worker running?`, { replayId: this.settings.replayId });
    }, waitWarningMs);
    try {
      await openRuns.acquire(this.abort.signal);
    } finally {
      clearTimeout(warning);
    }
  }

  /** The replay's runs open now (under the open-run limit); undefined without one. */
  get openRuns(): number | undefined {
    return this.settings.openRuns?.count;
  }

  private count(outcome: IntakeOutcome): void {
    if (outcome.kind === 'started') this.counts.started += 1;
    else if (outcome.kind === 'duplicate') this.counts.existing += 1;
    else if (outcome.kind === 'filtered') this.counts.filtered += 1;
    else if (outcome.kind === 'cancel') this.counts.cancels += 1;
    else this.counts.invalid += 1;
  }
}
