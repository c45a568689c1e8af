import type { ReceivedSpan } from '../../test/support/otlpTraceReceiver';
import { percentile } from './benchmarkFigures';
import type { LatencySummary } from './startLatency';

/** When one bridged request was produced and when Temporal started its run, ms since the epoch. */
export interface BridgeTiming {
  readonly sentAt: number;
  readonly startedAt: number;
}

/** Where a bridged start's time went, p50 / p99 of each part, ms. */
export interface BridgeBreakdown {
  /** Record timestamp → the consumer's `process` span: produce, fetch, and waiting for the window, key order and concurrency limit. */
  readonly toConsumer: LatencySummary;
  /** `process` span → the client's StartWorkflow span: decoding, validation, tracing. */
  readonly inConsumer: LatencySummary;
  /** StartWorkflow span → the start time Temporal recorded: the client call up to the server's start. */
  readonly toTemporal: LatencySummary;
}

const ms = (ns: bigint): number => Number(ns / 1000n) / 1000;

/**
 * Splits each bridged request's produced → started time at the consumer's own spans (exported
 * by the consumer process to the benchmark's receiver); requests whose spans did not arrive
 * are left out (the counts say how many are in).
 */
export function bridgeBreakdown(spans: readonly ReceivedSpan[], timings: ReadonlyMap<string, BridgeTiming>): BridgeBreakdown {
  const starts = new Map(spans.filter((span) => span.name.startsWith('StartWorkflow')).map((span) => [span.parentSpanId, span] as const));
  const parts = { toConsumer: [] as number[], inConsumer: [] as number[], toTemporal: [] as number[] };
  for (const span of spans) {
    const timing = timings.get(String(span.attributes['session.id']));
    const start = starts.get(span.spanId);
    if (!timing || !start || !span.name.endsWith(' process')) continue;
    parts.toConsumer.push(ms(span.startNs) - timing.sentAt);
    parts.inConsumer.push(ms(start.startNs) - ms(span.startNs));
    parts.toTemporal.push(timing.startedAt - ms(start.startNs));
  }
  const summary = (values: number[]): LatencySummary => ({ p50: percentile(values, 50), p99: percentile(values, 99), count: values.length });
  return { toConsumer: summary(parts.toConsumer), inConsumer: summary(parts.inConsumer), toTemporal: summary(parts.toTemporal) };
}

/** Whether every timed request's `process` span has arrived. */
export function hasAllProcessSpans(spans: readonly ReceivedSpan[], timings: ReadonlyMap<string, BridgeTiming>): boolean {
  const seen = new Set(spans.filter((span) => span.name.endsWith(' process')).map((span) => String(span.attributes['session.id'])));
  return [...timings.keys()].every((requestId) => seen.has(requestId));
}
