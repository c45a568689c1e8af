import { replayRequests, type ReplayOptions, type ReplaySummary } from '../../operator/replay/requestReplay';
import { silentLogger } from '../../src/logging/logger';
import { ProgressLine } from '../infra/progressLine';
import { perSecond } from './benchmarkFigures';
import type { BenchRig, BenchScope } from './benchRig';
import { directStartRate, produceRequests, untilDrained } from './benchRequests';

export interface ReplayFigures {
  readonly requests: number;
  /** Requests per second of each replay mode. */
  readonly dryRun: number;
  readonly skipExisting: number;
  readonly rerun: number;
  /** Direct client starts per second, before and after the rerun (mean), at the ceiling's concurrency. */
  readonly directCeiling: number;
}

/**
 * Replays of `requests` requests whose runs exist (the consumer started them; no worker runs
 * them): `--dry-run`, `--mode skip-existing` (every run exists) and `--mode rerun` (a fresh
 * run each), with direct starts right before and after the rerun for its ratio.
 */
export async function measureReplays(rig: BenchRig, scope: BenchScope, requests: number, ceilingConcurrency: number): Promise<ReplayFigures> {
  const { config } = scope;
  await produceRequests(rig.producer, config.topics.requested, 'replay', requests);
  const consumer = await scope.startRelay('consumer');
  await untilDrained(rig.kafka, config, 'runs started by the consumer', requests);
  await consumer.stop();
  const replay = async (label: string, options: Partial<ReplayOptions>): Promise<number> => {
    const line = new ProgressLine(label);
    const summary: ReplaySummary = await replayRequests({
      // No worker runs them: every run stays open, so the replay must not wait for any to close.
      maxOpenRuns: Number.POSITIVE_INFINITY,
      kafka: rig.kafka,
      temporal: rig.client,
      config,
      logger: silentLogger,
      from: { kind: 'beginning' },
      onProgress: (p) => line.update(`${p.processed}/${p.total}, ${p.perSecond.toFixed(1)}/s`),
      ...options,
    });
    line.done(`${summary.total} in ${summary.durationMs} ms (started ${summary.started}, existing ${summary.existing})`);
    return perSecond(summary.total, summary.durationMs);
  };
  const dryRun = await replay('replay --dry-run', { mode: 'skip-existing', dryRun: true });
  const skipExisting = await replay('replay --mode skip-existing', { mode: 'skip-existing' });
  const half = Math.max(1, Math.floor(requests / 2));
  const ceilingBefore = await directStartRate(rig.client, config, 'replay-direct-a', half, ceilingConcurrency);
  const rerun = await replay('replay --mode rerun', { mode: 'rerun', epoch: 1 });
  const ceilingAfter = await directStartRate(rig.client, config, 'replay-direct-b', half, ceilingConcurrency);
  return { requests, dryRun, skipExisting, rerun, directCeiling: (ceilingBefore + ceilingAfter) / 2 };
}
