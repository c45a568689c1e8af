import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import { loadRelayConfig, type RelayConfig } from '../../src/config/relayConfig';
import { RequestIntake, type IntakeMode } from '../../src/intake/requestIntake';
import { createKafka } from '../../src/kafka/kafkaClient';
import { silentLogger, type Logger } from '../../src/logging/logger';
import { withTemporalClient } from '../../src/temporal/temporalClient';
import { OpenRunLimit } from './openRunLimit';
import { untilRunClosed } from './runClosure';
import { RangeReplay, type ReplayCounts } from './rangeReplay';
import { parseWhere } from './replayFilter';
import { layOutReplay, type ReplayLayout, type ReplayMode } from './replayPlan';
import type { ReplayBound } from './replayRange';

export type { ReplayCounts } from './rangeReplay';
export type { ReplayMode } from './replayPlan';

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
  /** Runs started per second at most. */
  readonly ratePerSecond?: number;
  /**
   * At most this many of the replay's runs open at once: a start waits until one of them has
   * closed, so the replay goes as fast as the workers finish its runs and no backlog builds up.
   * Default 200; `Infinity`: no limit (a replay with no worker running, say, starts them all).
   */
  readonly maxOpenRuns?: number;
  readonly concurrency?: number;
  /** Bytes fetched per partition and request (kafkajs default 1 MiB); smaller = more, smaller batches. */
  readonly maxBytesPerPartition?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ReplayProgress) => void;
}

/** A replay's runs open at once unless told otherwise: about a minute of a small worker's work. */
export const defaultMaxOpenRuns = 200;

export interface ReplayProgress extends ReplayCounts {
  /** The replay's runs open now, under its open-run limit (absent without one). */
  readonly open?: number;
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
  readonly errorDetails: { readonly location: { topic: string; partition: number; offset: string }; readonly message: string }[];
}

/**
 * Replays a range of `research.requested` for batch research, with a consumer group of its own
 * (`<CONSUMER_GROUP_ID>-replay-<replayId>`), so the live group's offsets never move. Each
 * record takes the intake path: `skip-existing` never creates a second run for a request;
 * `rerun` starts fresh runs under the epoch's own workflow ids. Progress is committed as it
 * goes together with the plan (mode, epoch, end offsets), so the same replay id resumes
 * without duplicates.
 *
 * @example
 * const summary = await replayRequests({ from: { kind: 'beginning' }, where: ['metadata.team=platform'] });
 * console.log(`${summary.started} started, ${summary.existing} already had a run`);
 */
export async function replayRequests(options: ReplayOptions): Promise<ReplaySummary> {
  const config = options.config ?? loadRelayConfig(process.env);
  const logger = options.logger ?? silentLogger;
  const kafka = options.kafka ?? createKafka(config.kafka, logger, 'replay');
  return withTemporalClient(config.temporal, options.temporal, (temporal) => replayWith({ ...options, kafka, temporal, config, logger }));
}

type ResolvedReplayOptions = ReplayOptions & { kafka: Kafka; temporal: Client; config: RelayConfig; logger: Logger };

async function replayWith(options: ResolvedReplayOptions): Promise<ReplaySummary> {
  const { kafka, config, logger } = options;
  const dryRun = options.dryRun ?? false;
  const replayId = options.replayId ?? `replay-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const groupId = dryRun ? `${config.consumerGroupId}-dryrun-${randomUUID()}` : `${config.consumerGroupId}-replay-${replayId}`;
  if (groupId === config.consumerGroupId) throw new Error('a replay must not use the live consumer group');
  const accept = parseWhere(options.where ?? []);
  const began = Date.now();
  const maxOpenRuns = options.maxOpenRuns ?? defaultMaxOpenRuns;
  const openRuns = dryRun || maxOpenRuns === Number.POSITIVE_INFINITY ? undefined : openRunLimit(options.temporal, maxOpenRuns);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const layout = await layOutReplay(kafka, admin, { ...options, groupId, topic: config.topics.requested, replayId, dryRun });
    const { plan } = layout;
    logger.info('replay planned', { replayId, groupId, mode: plan.mode, epoch: plan.epoch, resumed: layout.resumed, dryRun, total: layout.total });
    // Invalid records are counted, never dead-lettered again: dead letters are live ingest's,
    // which has written (or will write) one for each of them. Replayed runs are batch work:
    // Temporal dispatches every live run's tasks before theirs. Cancels are skipped: one
    // replayed later would cancel a run its sender never meant.
    const mode: IntakeMode = { conflict: 'fail', deadLetters: dryRun ? 'count' : 'leave', cancels: 'skip', trace: 'new', accept, urgency: 'batch', ...(plan.epoch !== undefined ? { epoch: plan.epoch } : {}) };
    const replay = new RangeReplay({
      ...options,
      intake: new RequestIntake({ temporal: options.temporal, config, logger }),
      mode,
      groupId,
      replayId,
      layout,
      dryRun,
      concurrency: options.concurrency ?? 16,
      ...(openRuns ? { openRuns } : {}),
      onRecord: () => options.onProgress?.(progressOf(replay, layout, began)),
    });
    // Reported every second too: a replay waiting for room under its open-run limit handles no record meanwhile.
    const ticking = setInterval(() => options.onProgress?.(progressOf(replay, layout, began)), 1000);
    try {
      if (layout.pending.size > 0) await replay.run();
    } finally {
      clearInterval(ticking);
    }
    options.onProgress?.(progressOf(replay, layout, began));
    return summaryOf(replay, layout, { replayId, dryRun, durationMs: Date.now() - began });
  } finally {
    await openRuns?.close();
    if (dryRun) await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

/** The replay's open runs, each watched until it closes (long polls on its result, cancelled when the replay ends). */
function openRunLimit(temporal: Client, max: number): OpenRunLimit {
  return new OpenRunLimit(max, (workflowId, signal) => untilRunClosed(temporal, workflowId, signal));
}

function progressOf(replay: RangeReplay, layout: ReplayLayout, began: number): ReplayProgress {
  const seconds = (Date.now() - began) / 1000;
  const perSecond = seconds > 0 ? replay.processed / seconds : 0;
  const etaSeconds = perSecond > 0 ? (layout.total - replay.processed) / perSecond : undefined;
  const open = replay.openRuns;
  return { ...replay.counts, ...(open !== undefined ? { open } : {}), processed: replay.processed, total: layout.total, perSecond, etaSeconds };
}

function summaryOf(replay: RangeReplay, layout: ReplayLayout, run: { replayId: string; dryRun: boolean; durationMs: number }): ReplaySummary {
  const { mode, epoch } = layout.plan;
  return { ...run, mode, ...(epoch !== undefined ? { epoch } : {}), resumed: layout.resumed, total: layout.total, ...replay.counts, errorDetails: replay.errorDetails };
}
