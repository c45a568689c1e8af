import type { Client } from '@temporalio/client';
import type { Producer } from 'kafkajs';
import type { RelayConfig } from '../../src/config/relayConfig';
import { workflowIdFor } from '../../src/temporal/workflowIds';
import { ProgressLine } from '../infra/progressLine';
import { percentile } from './benchmarkFigures';
import { requestValue, startDirectly } from './benchRequests';
import type { BridgeBreakdown, BridgeTiming } from './bridgeBreakdown';

/** p50 / p99 of one side, ms. */
export interface LatencySummary {
  readonly p50: number;
  readonly p99: number;
  readonly count: number;
}

export interface StartLatencyFigures {
  /** Events (or starts) per second. */
  readonly rate: number;
  /** Kafka record timestamp → the run's start time in Temporal. */
  readonly bridge: LatencySummary;
  /** Send time → the run's start time in Temporal, through a Temporal client; absent when only the bridge was measured. */
  readonly direct?: LatencySummary;
  /** Where the bridge's time went (from the consumer's spans); absent with telemetry off. */
  readonly breakdown?: BridgeBreakdown;
  /** Kafka's own hop at the same rate (bare kafkajs, record timestamp → eachBatch): the floor under the bridge's first part. */
  readonly kafkaHop?: LatencySummary;
}

export interface StartLatencyOptions {
  readonly producer: Producer;
  readonly client: Client;
  readonly config: RelayConfig;
  readonly rate: number;
  /** Events (and direct starts) per side. */
  readonly perSide: number;
  /** Alternate in blocks of this many, bridge first; so the server's state weighs on both alike. */
  readonly block: number;
  /** false: the bridge only (a worker runs meanwhile, direct starts would add to its load). */
  readonly direct: boolean;
  readonly label: string;
  /** Sets this round's request ids apart from other rounds' at the same rate. */
  readonly tag?: string;
}

/**
 * Produced → started through the running consumer, and direct client starts, at the same fixed
 * rate, alternating in blocks (no overlap: a block starts once the one before is started).
 * Both sides are timed to the start time Temporal records, so they differ only by the path.
 */
export async function measureStartLatency(options: StartLatencyOptions): Promise<{ readonly figures: StartLatencyFigures; readonly bridgeTimings: ReadonlyMap<string, BridgeTiming> }> {
  const { perSide, block, rate, label } = options;
  const sent = { bridge: new Map<string, number>(), direct: new Map<string, number>() };
  const progress = new ProgressLine(label);
  for (let first = 0; first < perSide; first += block) {
    const ids = Array.from({ length: Math.min(block, perSide - first) }, (_, k) => first + k);
    await paced(ids, rate, (i) => produceOne(options, `${tag(options)}b${i}`, sent.bridge));
    await untilStarted(options.client, options.config, ids.map((i) => `${tag(options)}b${i}`));
    if (options.direct) await paced(ids, rate, (i) => startOne(options, `${tag(options)}d${i}`, i, sent.direct));
    progress.update(`${first + ids.length}/${perSide} per side`);
  }
  progress.done(`${perSide} per side at ${rate.toFixed(1)}/s`);
  const bridgeTimings = await timings(options.client, options.config, sent.bridge);
  const bridge = summarize(bridgeTimings);
  const figures = { rate, bridge, ...(options.direct ? { direct: summarize(await timings(options.client, options.config, sent.direct)) } : {}) };
  return { figures, bridgeTimings };
}

function tag(options: StartLatencyOptions): string {
  return `lat${options.tag ?? ''}${Math.round(options.rate)}${options.direct ? '' : 'w'}-`;
}

/** Calls `send` for each id at its due time (`rate` per second), without waiting for the one before; settles when all have. */
export async function paced(ids: readonly number[], rate: number, send: (i: number) => Promise<void>): Promise<void> {
  const began = performance.now();
  const sends: Promise<void>[] = [];
  for (const [k, i] of ids.entries()) {
    const wait = began + (k * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    sends.push(send(i));
  }
  await Promise.all(sends);
}

async function produceOne(options: StartLatencyOptions, requestId: string, sent: Map<string, number>): Promise<void> {
  const at = Date.now();
  sent.set(requestId, at);
  await options.producer.send({ topic: options.config.topics.requested, acks: -1, messages: [{ key: requestId, value: requestValue(requestId, { maxSearches: 1 }), timestamp: String(at) }] });
}

async function startOne(options: StartLatencyOptions, requestId: string, offset: number, sent: Map<string, number>): Promise<void> {
  sent.set(requestId, Date.now());
  await startDirectly(options.client, options.config, requestId, offset);
}

/** Waits until Temporal has a run for each request (the consumer started it). */
async function untilStarted(client: Client, config: RelayConfig, requestIds: readonly string[]): Promise<void> {
  for (const requestId of requestIds) {
    while ((await startTimeOf(client, config, requestId)) === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function timings(client: Client, config: RelayConfig, sent: ReadonlyMap<string, number>): Promise<Map<string, BridgeTiming>> {
  const entries = await Promise.all(
    [...sent].map(async ([requestId, sentAt]) => {
      const startedAt = await startTimeOf(client, config, requestId);
      if (startedAt === undefined) throw new Error(`no run for ${requestId}`);
      return [requestId, { sentAt, startedAt }] as const;
    }),
  );
  return new Map(entries);
}

function summarize(timed: ReadonlyMap<string, BridgeTiming>): LatencySummary {
  const values = [...timed.values()].map(({ sentAt, startedAt }) => startedAt - sentAt);
  return { p50: percentile(values, 50), p99: percentile(values, 99), count: values.length };
}

/** The run's start time as Temporal recorded it, ms with the sub-millisecond part; undefined while there is no run. */
async function startTimeOf(client: Client, config: RelayConfig, requestId: string): Promise<number | undefined> {
  try {
    const answer = await client.workflowService.describeWorkflowExecution({ namespace: config.temporal.namespace, execution: { workflowId: workflowIdFor(config.temporal.workflowIdPrefix, requestId) } });
    const time = answer.workflowExecutionInfo?.startTime;
    return time ? Number(time.seconds ?? 0) * 1000 + (time.nanos ?? 0) / 1e6 : undefined;
  } catch (error) {
    if ((error as { code?: number }).code === 5) return undefined;
    throw error;
  }
}
