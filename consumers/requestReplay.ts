import { randomUUID } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, trace as otelTrace } from '@opentelemetry/api';
import { Client, WorkflowNotFoundError, type Connection } from '@temporalio/client';
import type { Kafka, KafkaMessage, Producer } from 'kafkajs';
import { loadRelayConfig, type RelayConfig } from '../src/config/relayConfig';
import { createKafka } from '../src/kafka/kafkaClient';
import { connectTemporal } from '../src/temporal/temporalConnection';
import { tracingClientInterceptors } from '../src/telemetry/temporalTracing';
import { ConcurrencyLimit } from '../src/concurrency/concurrencyLimit';
import { RateLimiter } from '../src/concurrency/rateLimiter';
import type { ResearchRequested } from '../src/contracts/researchRequested';
import { InvalidRequestError, isRetryable } from '../src/errors';
import { silentLogger, type Logger } from '../src/logging/logger';
import { defaultBackoff, retryWithBackoff } from '../src/retry/backoff';
import { activeTraceHeaders, contextFromHeaders } from '../src/telemetry/kafkaTraceContext';
import { relayTracer } from '../src/telemetry/tracer';
import { workflowIdFor } from '../src/temporal/workflowIds';
import type { ResearchTuning } from '../workflows/researchWorkflowInput';
import { BatchAcknowledgement } from './batchAcknowledgement';
import { writeDeadLetter } from './deadLetterWriter';
import { decodeRequest, type MessageLocation } from './requestDecoder';
import { requestTraceFrom } from './requestTrace';
import { startResearchRun } from './researchRunStarter';
import { parseReplayBound, resolveReplayBound, type ReplayBound } from './replayRange';

export type ReplayMode = 'skip-existing' | 'rerun';

export interface ReplayOptions {
  /** Default: built from `config` (KAFKA_* variables). */
  readonly kafka?: Kafka;
  /** Default: connected from `config` (TEMPORAL_* variables), closed at the end. */
  readonly temporal?: Client;
  /** Default: loadRelayConfig(process.env). */
  readonly config?: RelayConfig;
  readonly logger?: Logger;
  /** Names the replay; the same id resumes an interrupted replay where it stopped. */
  readonly replayId?: string;
  readonly from?: ReplayBound;
  /** Default: the end of each partition when the replay starts. */
  readonly to?: ReplayBound;
  /** `metadata.KEY=VALUE` filters; a request must match all of them. */
  readonly where?: readonly string[];
  readonly mode?: ReplayMode;
  /** Rerun epoch; default: a number derived from the replay id (so a resume keeps it). */
  readonly epoch?: number;
  /** Count what would happen; start nothing, write nothing, commit nothing. */
  readonly dryRun?: boolean;
  readonly ratePerSecond?: number;
  readonly concurrency?: number;
  /** Bytes fetched per partition and request (kafkajs default 1 MiB); smaller = more, smaller batches. */
  readonly maxBytesPerPartition?: number;
  readonly tuning?: Partial<ResearchTuning>;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ReplayProgress) => void;
}

export interface ReplayCounts {
  /** Runs started (in a dry run: runs that would start). */
  started: number;
  /** Requests that already have a run (skip-existing) or a run in this epoch (rerun). */
  existing: number;
  /** Records that are not valid requests, sent to the DLQ (in a dry run: counted only). */
  invalid: number;
  /** Requests left out by --where. */
  filtered: number;
  errors: number;
}

export interface ReplayProgress extends ReplayCounts {
  readonly processed: number;
  readonly total: number;
  readonly perSecond: number;
  readonly etaSeconds: number | undefined;
}

export interface ReplaySummary extends ReplayCounts {
  readonly replayId: string;
  readonly mode: ReplayMode;
  readonly epoch?: number;
  readonly resumed: boolean;
  readonly dryRun: boolean;
  readonly total: number;
  readonly durationMs: number;
  readonly errorDetails: { readonly location: MessageLocation; readonly message: string }[];
}

/** What a replay must remember to resume: stored as the offset metadata of its consumer group. */
interface ReplayPlan {
  readonly v: 1;
  readonly mode: ReplayMode;
  readonly epoch?: number;
  readonly end: Record<string, string>;
}

/**
 * Replays a range of `research.requested` for batch research, with a consumer group of its own
 * (`<CONSUMER_GROUP_ID>-replay-<replayId>`), so the live group's offsets never move. Runs start
 * idempotently: `skip-existing` never creates a second run for a request; `rerun` starts fresh
 * runs as `research-<requestId>-r<epoch>`. Progress is committed per batch together with the
 * plan (mode, epoch, end offsets), so the same replay id resumes without duplicates.
 */
export async function replayRequests(options: ReplayOptions): Promise<ReplaySummary> {
  const config = options.config ?? loadRelayConfig(process.env);
  const logger = options.logger ?? silentLogger;
  const kafka = options.kafka ?? createKafka(config.kafka, logger, 'replay');
  const connection = options.temporal ? undefined : await connectTemporal(config.temporal);
  const temporal = options.temporal ?? new Client({ connection: connection as Connection, namespace: config.temporal.namespace, interceptors: { workflow: tracingClientInterceptors() } });
  try {
    return await replayWith({ ...options, kafka, temporal, config, logger });
  } finally {
    await connection?.close();
  }
}

type ResolvedReplayOptions = ReplayOptions & { kafka: Kafka; temporal: Client; config: RelayConfig; logger: Logger };

async function replayWith(options: ResolvedReplayOptions): Promise<ReplaySummary> {
  const { kafka, config, logger } = options;
  const topic = config.topics.requested;
  const dryRun = options.dryRun ?? false;
  const replayId = options.replayId ?? `replay-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const groupId = dryRun ? `${config.consumerGroupId}-dryrun-${randomUUID()}` : `${config.consumerGroupId}-replay-${replayId}`;
  if (groupId === config.consumerGroupId) throw new Error('a replay must not use the live consumer group');
  const where = parseWhere(options.where ?? []);
  const began = Date.now();
  const admin = kafka.admin();
  await admin.connect();
  const producer: Producer = kafka.producer();
  const counts: ReplayCounts = { started: 0, existing: 0, invalid: 0, filtered: 0, errors: 0 };
  const errorDetails: ReplaySummary['errorDetails'] = [];
  try {
    // Resume when the replay group already holds offsets; otherwise position it at --from.
    const committed = (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? [];
    const resumed = !dryRun && committed.some((p) => p.offset !== '-1');
    const storedPlan = committed.map((p) => parsePlan(p.metadata)).find((plan) => plan !== undefined);
    const end = storedPlan ? new Map(Object.entries(storedPlan.end).map(([p, o]) => [Number(p), o])) : await resolveReplayBound(admin, topic, options.to ?? { kind: 'end' }, 'high');
    const mode: ReplayMode = storedPlan?.mode ?? options.mode ?? 'skip-existing';
    const epoch = mode === 'rerun' ? (storedPlan?.epoch ?? options.epoch ?? epochFor(replayId)) : undefined;
    const plan: ReplayPlan = { v: 1, mode, ...(epoch !== undefined ? { epoch } : {}), end: Object.fromEntries([...end].map(([p, o]) => [String(p), o])) };
    const start = resumed
      ? new Map(committed.map((p) => [p.partition, p.offset === '-1' ? (end.get(p.partition) ?? '0') : p.offset]))
      : await resolveReplayBound(admin, topic, options.from ?? { kind: 'beginning' }, 'low');
    if (!resumed) await admin.setOffsets({ groupId, topic, partitions: [...start].map(([partition, offset]) => ({ partition, offset })) });

    const total = [...end].reduce((sum, [p, o]) => sum + Math.max(0, Number(BigInt(o) - BigInt(start.get(p) ?? o))), 0);
    const pending = new Set([...end].filter(([p, o]) => BigInt(start.get(p) ?? o) < BigInt(o)).map(([p]) => p));
    logger.info('replay planned', { replayId, groupId, mode, epoch, resumed, dryRun, total });
    let processed = 0;
    const report = (): void => {
      const seconds = (Date.now() - began) / 1000;
      const perSecond = seconds > 0 ? processed / seconds : 0;
      options.onProgress?.({ ...counts, processed, total, perSecond, etaSeconds: perSecond > 0 ? (total - processed) / perSecond : undefined });
    };
    if (pending.size === 0) {
      report();
      return { replayId, mode, ...(epoch !== undefined ? { epoch } : {}), resumed, dryRun, total, durationMs: Date.now() - began, ...counts, errorDetails };
    }

    if (!dryRun) await producer.connect();
    const limit = new ConcurrencyLimit(options.concurrency ?? 16);
    const rate = options.ratePerSecond ? new RateLimiter(options.ratePerSecond) : undefined;
    const abort = new AbortController();
    options.signal?.addEventListener('abort', () => abort.abort(), { once: true });
    let crashed: unknown;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    abort.signal.addEventListener('abort', () => finish(), { once: true });

    const handle = async (message: KafkaMessage, location: MessageLocation): Promise<void> => {
      let request: ResearchRequested;
      try {
        request = decodeRequest(message, location, config.maxMessageBytes);
      } catch (error) {
        if (!(error instanceof InvalidRequestError)) throw error;
        if (!dryRun) await retryWithBackoff(() => writeDeadLetter(producer, config.topics.deadLetter, message, error), { shouldRetry: () => !abort.signal.aborted, signal: abort.signal });
        counts.invalid += 1;
        return;
      }
      if (!where.every(({ key, value }) => request.metadata?.[key] === value)) {
        counts.filtered += 1; // counted with `processed` once handle() returns
        return;
      }
      if (dryRun) {
        const exists = await runExists(options.temporal, workflowIdFor(config.temporal.workflowIdPrefix, request.requestId, epoch));
        if (exists) counts.existing += 1;
        else counts.started += 1;
        return;
      }
      await rate?.take();
      // A replayed run gets a trace of its own, linked to the request's original trace.
      const original = otelTrace.getSpanContext(contextFromHeaders(message.headers));
      const outcome = await relayTracer().startActiveSpan(
        'research.replay',
        { kind: SpanKind.CONSUMER, root: true, links: original ? [{ context: original }] : [], attributes: { 'research.replay.id': replayId, 'research.replay.mode': mode, 'research.request_id': request.requestId } },
        ROOT_CONTEXT,
        async (span) => {
          try {
            const headers = activeTraceHeaders();
            const trace = headers ? { ...headers, traceId: headers.traceparent.split('-')[1] ?? '' } : requestTraceFrom({});
            return await retryWithBackoff(
              () => startResearchRun(options.temporal, config, { request, trace, location, conflict: 'fail', ...(epoch !== undefined ? { epoch } : {}), ...(options.tuning ? { tuning: options.tuning } : {}) }),
              { policy: defaultBackoff, shouldRetry: (error) => isRetryable(error) && !abort.signal.aborted, signal: abort.signal },
            );
          } finally {
            span.end();
          }
        },
      );
      if (outcome.kind === 'started') counts.started += 1;
      else counts.existing += 1;
    };

    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: config.sessionTimeoutMs,
      heartbeatInterval: Math.floor(config.sessionTimeoutMs / 10),
      ...(options.maxBytesPerPartition ? { maxBytesPerPartition: options.maxBytesPerPartition } : {}),
    });
    const partitionDone = (partition: number, nextOffset: bigint): void => {
      if (nextOffset < BigInt(end.get(partition) ?? '0')) return;
      pending.delete(partition);
      if (pending.size === 0) finish();
    };
    // Batches of only control records (transaction markers) or aborted records never reach
    // eachBatch; kafkajs still reports them here, so a range ending past one can finish.
    consumer.on(consumer.events.END_BATCH_PROCESS, (event) => {
      if (event.payload.topic === topic) partitionDone(event.payload.partition, BigInt(event.payload.lastOffset) + 1n);
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) {
        crashed = event.payload.error;
        finish();
      }
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: Math.max(1, end.size),
      eachBatch: async (payload) => {
        const { batch } = payload;
        const isRunning = (): boolean => payload.isRunning();
        const partitionEnd = BigInt(end.get(batch.partition) ?? '0');
        const inRange = batch.messages.filter((message) => BigInt(message.offset) < partitionEnd);
        const planMetadata = JSON.stringify(plan);
        if (inRange.length > 0 && !dryRun) {
          // The plan is stored before the first start of every batch, so a replay killed at
          // any point resumes with its own mode, epoch and end offsets.
          await consumer.commitOffsets([{ topic, partition: batch.partition, offset: inRange[0]?.offset ?? '0', metadata: planMetadata }]);
        }
        // Starts can wait on backoff or the rate limit: keep the group session alive meanwhile.
        const interval = setInterval(() => void payload.heartbeat().catch(() => undefined), 1000);
        // Progress is committed as it goes (the contiguous prefix handled so far, at most once
        // a second), so a replay killed mid-batch resumes close to where it stopped. Resolving
        // the same offsets moves kafkajs's fetch position on to the next batch.
        const acks = new BatchAcknowledgement(inRange.map((message) => message.offset));
        let committable: string | undefined;
        let lastCommit = Date.now();
        // Commits run one after another, so an older (lower) offset never lands after a newer
        // one; a failed periodic commit is skipped (the next one covers it), only the last counts.
        let committing: Promise<void> = Promise.resolve();
        const commit = (force: boolean): Promise<void> => {
          if (dryRun || committable === undefined || (!force && Date.now() - lastCommit < 1000)) return force ? committing : Promise.resolve();
          const offset = (BigInt(committable) + 1n).toString();
          committable = undefined;
          lastCommit = Date.now();
          committing = committing
            .catch(() => undefined)
            .then(() => consumer.commitOffsets([{ topic, partition: batch.partition, offset, metadata: planMetadata }]));
          return force ? committing : committing.catch(() => undefined);
        };
        try {
          await Promise.all(
            inRange.map((message) =>
              limit.run(async () => {
                if (abort.signal.aborted || !isRunning()) return;
                const location = { topic, partition: batch.partition, offset: message.offset };
                try {
                  await handle(message, location);
                } catch (error) {
                  if (abort.signal.aborted) return;
                  counts.errors += 1;
                  errorDetails.push({ location, message: error instanceof Error ? error.message : String(error) });
                  logger.warn('replay could not start a run', { ...location, error });
                }
                processed += 1;
                const moved = acks.acknowledge(message.offset);
                if (moved !== undefined) {
                  committable = moved;
                  payload.resolveOffset(moved);
                }
                report();
                await commit(false);
              }),
            ),
          );
        } finally {
          clearInterval(interval);
        }
        if (abort.signal.aborted || !isRunning()) return;
        await commit(true);
        // Past the range (or a batch holding only records beyond it): resolve the whole batch,
        // and judge completion by the batch's last offset, which counts control records too.
        if (inRange.length < batch.messages.length || inRange.length === 0) payload.resolveOffset(batch.lastOffset());
        partitionDone(batch.partition, BigInt(batch.lastOffset()) + 1n);
      },
    });
    await finished;
    await consumer.disconnect();
    if (crashed) throw crashed instanceof Error ? crashed : new Error('the replay consumer crashed');
    report();
    return { replayId, mode, ...(epoch !== undefined ? { epoch } : {}), resumed, dryRun, total, durationMs: Date.now() - began, ...counts, errorDetails };
  } finally {
    await producer.disconnect().catch(() => undefined);
    if (dryRun) await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

/** Parses `metadata.KEY=VALUE` filters. */
export function parseWhere(filters: readonly string[]): { key: string; value: string }[] {
  return filters.map((filter) => {
    const match = /^metadata\.([^=]+)=(.*)$/.exec(filter);
    if (!match?.[1] || match[2] === undefined) throw new Error(`--where "${filter}" is not metadata.KEY=VALUE`);
    return { key: match[1], value: match[2] };
  });
}

export { parseReplayBound };

/** A stable epoch for a replay id: the same id always reruns under the same epoch. */
function epochFor(replayId: string): number {
  let hash = 2166136261;
  for (const char of replayId) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return (hash % 2_000_000_000) + 1;
}

function parsePlan(metadata: string | null): ReplayPlan | undefined {
  if (!metadata) return undefined;
  try {
    const plan = JSON.parse(metadata) as ReplayPlan;
    return plan.v === 1 ? plan : undefined;
  } catch {
    return undefined;
  }
}

async function runExists(client: Client, workflowId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowId).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}
