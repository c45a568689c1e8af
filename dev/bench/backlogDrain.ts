import type { BenchScope } from './benchRig';
import { produceRequests, untilDrained } from './benchRequests';
import { readProcessUsage, RssSampler } from './processUsage';

export interface BacklogFigures {
  readonly events: number;
  /** Records the benchmark's producer got acknowledged per second (batches of 1,000, acks=all) while it wrote the backlog. */
  readonly producePerSecond: number;
  /** Acknowledged records per second, from the consumer ready to the group's lag 0. */
  readonly drainPerSecond: number;
  /** The consumer process's highest RSS while draining, bytes (sampled every 200 ms). */
  readonly peakRssBytes: number;
  /** Its RSS when ready, before the first record, bytes. */
  readonly readyRssBytes: number;
  /** Its CPU time per 1,000 records, ms. */
  readonly cpuMsPer1000: number;
}

/**
 * A consumer-only process (as `npm start -- --role consumer` runs) drains a backlog of `events`
 * requests produced before it starts: every record becomes a run (no worker polls).
 */
export async function measureBacklogDrain(scope: BenchScope, events: number): Promise<BacklogFigures> {
  const producing = performance.now();
  await produceRequests(scope.producer, scope.config.topics.requested, 'backlog', events);
  const producePerSecond = (events * 1000) / (performance.now() - producing);
  const consumer = await scope.startRelay('consumer');
  const ready = readProcessUsage(consumer.pid);
  const sampler = new RssSampler(consumer.pid);
  const began = performance.now();
  const drainedAt = await untilDrained(scope.kafka, scope.config, `consumer draining a backlog of ${events}`, events, () => `, RSS ${((sampler.latest?.rssBytes ?? 0) / 1048576).toFixed(0)} MiB`);
  sampler.stop();
  const end = sampler.latest;
  await consumer.stop();
  return {
    events,
    producePerSecond,
    drainPerSecond: (events * 1000) / (drainedAt - began),
    peakRssBytes: sampler.peakBytes,
    readyRssBytes: ready?.rssBytes ?? Number.NaN,
    cpuMsPer1000: ready && end ? ((end.cpuMs - ready.cpuMs) * 1000) / events : Number.NaN,
  };
}
