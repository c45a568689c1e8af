import type { BenchRig, BenchScope } from './benchRig';
import { produceRequests, untilDrained } from './benchRequests';
import { readProcessUsage, RssSampler } from './processUsage';

export interface BacklogFigures {
  readonly events: number;
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
export async function measureBacklogDrain(rig: BenchRig, scope: BenchScope, events: number): Promise<BacklogFigures> {
  await produceRequests(rig.producer, scope.config.topics.requested, 'backlog', events);
  const consumer = await scope.startRelay('consumer');
  const ready = readProcessUsage(consumer.pid);
  const sampler = new RssSampler(consumer.pid);
  const began = performance.now();
  const drainedAt = await untilDrained(rig.kafka, scope.config, `consumer draining a backlog of ${events}`, events, () => `, RSS ${((sampler.latest?.rssBytes ?? 0) / 1048576).toFixed(0)} MiB`);
  sampler.stop();
  const end = sampler.latest;
  await consumer.stop();
  return {
    events,
    drainPerSecond: (events * 1000) / (drainedAt - began),
    peakRssBytes: sampler.peakBytes,
    readyRssBytes: ready?.rssBytes ?? Number.NaN,
    cpuMsPer1000: ready && end ? ((end.cpuMs - ready.cpuMs) * 1000) / events : Number.NaN,
  };
}
