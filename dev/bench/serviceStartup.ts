import { percentile } from './benchmarkFigures';
import type { BenchScope } from './benchRig';
import { readProcessUsage } from './processUsage';
import { ProgressLine } from '../infra/progressLine';

export interface StartupFigures {
  /** `npm start` (both roles) → `/readyz` 200, ms: the median of the tries, and each. */
  readonly readyMs: number;
  readonly tries: readonly number[];
  /** A consumer-only process, idle (ready, nothing to consume), bytes. */
  readonly consumerIdleRssBytes: number;
  /** Both roles in one process, idle, bytes. */
  readonly bothIdleRssBytes: number;
}

/**
 * Starts the compiled relay `tries` times with both roles (Kafka and Temporal running, topics
 * created) and times it to ready; then a consumer-only process, left idle for `idleMs`, for its RSS.
 */
export async function measureStartup(scope: BenchScope, tries: number, idleMs: number): Promise<StartupFigures> {
  const progress = new ProgressLine('start-up, both roles');
  const times: number[] = [];
  let bothIdleRssBytes = Number.NaN;
  for (let i = 0; i < tries; i += 1) {
    const relay = await scope.startRelay('both');
    times.push(relay.readyAfterMs);
    progress.update(`${i + 1}/${tries}: ready in ${relay.readyAfterMs.toFixed(0)} ms`);
    if (i === tries - 1) {
      await new Promise((resolve) => setTimeout(resolve, idleMs));
      bothIdleRssBytes = readProcessUsage(relay.pid)?.rssBytes ?? Number.NaN;
    }
    await relay.stop();
  }
  progress.done(`ready in ${times.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  const idle = new ProgressLine('consumer-only process, idle');
  const consumer = await scope.startRelay('consumer');
  await new Promise((resolve) => setTimeout(resolve, idleMs));
  const consumerIdleRssBytes = readProcessUsage(consumer.pid)?.rssBytes ?? Number.NaN;
  await consumer.stop();
  idle.done(`${(consumerIdleRssBytes / 1048576).toFixed(1)} MiB RSS after ${idleMs / 1000} s idle`);
  return { readyMs: percentile(times, 50), tries: times, consumerIdleRssBytes, bothIdleRssBytes };
}
