import type { Client } from '@temporalio/client';
import type { Kafka, Producer } from 'kafkajs';
import type { RelayConfig } from '../../src/config/relayConfig';
import { ConcurrencyLimit } from '../../src/concurrency/concurrencyLimit';
import { researchRequestedSchema } from '../../src/contracts/researchRequested';
import { startResearchRun } from '../../src/intake/researchRunStarter';
import { newTraceContext } from '../../src/telemetry/traceContext';
import { consumerLag } from '../chaos/topicSnapshot';
import { ProgressLine } from '../infra/progressLine';
import { perSecond } from './benchmarkFigures';

/** The JSON of a benchmark request (what an upstream producer sends). */
export function requestValue(requestId: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ requestId, query: `Benchmark question ${requestId} about event-driven systems`, ...extra });
}

/** Produces `count` requests `<prefix><i>` in batches of 1,000, with progress. */
export async function produceRequests(producer: Producer, topic: string, prefix: string, count: number): Promise<void> {
  const progress = new ProgressLine(`producing ${count} requests`);
  for (let sent = 0; sent < count; sent += 1000) {
    const size = Math.min(1000, count - sent);
    await producer.send({ topic, acks: -1, messages: Array.from({ length: size }, (_, k) => ({ key: `${prefix}${sent + k}`, value: requestValue(`${prefix}${sent + k}`) })) });
    progress.update(`${sent + size}/${count}`);
  }
  progress.done(`${count} produced`);
}

/** Waits until the group has acknowledged everything on the topic (lag 0), with progress (and `detail`); returns when. */
export async function untilDrained(kafka: Kafka, config: RelayConfig, label: string, total: number, detail: () => string = () => ''): Promise<number> {
  const progress = new ProgressLine(label);
  for (;;) {
    const lag = await consumerLag(kafka, config.consumerGroupId, config.topics.requested);
    if (lag <= 0) break;
    progress.update(`${total - lag}/${total} acknowledged${detail()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  progress.done(`${total} acknowledged`);
  return performance.now();
}

/** One start exactly as the consumer makes it (the intake path's one start function), for `<requestId>`. */
export function startDirectly(client: Client, config: RelayConfig, requestId: string, offset: number): Promise<unknown> {
  const request = researchRequestedSchema.parse(JSON.parse(requestValue(requestId)));
  return startResearchRun(client, config.temporal, { request, trace: newTraceContext(), location: { topic: 'direct', partition: 0, offset: String(offset) } });
}

/** `count` direct starts at `concurrency` at once, as fast as they go; returns starts per second. */
export async function directStartRate(client: Client, config: RelayConfig, prefix: string, count: number, concurrency: number): Promise<number> {
  const limit = new ConcurrencyLimit(concurrency);
  const progress = new ProgressLine(`direct starts ×${concurrency}`);
  let done = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      limit.run(async () => {
        await startDirectly(client, config, `${prefix}${i}`, i);
        done += 1;
        progress.update(`${done}/${count}`);
      }),
    ),
  );
  const rate = perSecond(count, performance.now() - began);
  progress.done(`${count} → ${rate.toFixed(1)}/s`);
  return rate;
}

/** The start ceiling: direct starts at rising concurrency, the best rate and its concurrency. */
export async function startCeiling(client: Client, config: RelayConfig, prefix: string, count: number): Promise<{ readonly rate: number; readonly concurrency: number }> {
  let best = { rate: 0, concurrency: 16 };
  for (const concurrency of [16, 32, 64, 128]) {
    const rate = await directStartRate(client, config, `${prefix}c${concurrency}-`, count, concurrency);
    if (rate > best.rate) best = { rate, concurrency };
  }
  return best;
}
