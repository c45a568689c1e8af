import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { workflowIdFor } from '../../src/temporal/workflowIds';
import { ProgressLine } from '../infra/progressLine';
import type { BenchRig, BenchScope } from './benchRig';
import { produceRequests, untilDrained } from './benchRequests';
import { readProcessUsage } from './processUsage';
import { ResultWatcher } from './resultWatcher';

export interface RunCostFigures {
  readonly runs: number;
  readonly failed: number;
  /** Completed runs per second once the worker runs (the runs were started before it did). */
  readonly runsPerSecond: number;
  readonly workerCpuMsPerRun: number;
  readonly temporalCpuMsPerRun: number;
  /** Mean history events of a completed run, and by event type. */
  readonly historyEventsPerRun: number;
  readonly historyEventsByType: Readonly<Record<string, number>>;
}

/**
 * End to end and what a run costs: `runs` requests are started by the consumer first (a
 * backlog), then a worker process works them off with the stand-in model at zero latency; the
 * worker's and the Temporal server's CPU time over that window, per completed run, and the
 * events in a sample of the runs' histories.
 */
export async function measureRunCost(rig: BenchRig, scope: BenchScope, runs: number): Promise<RunCostFigures> {
  const { config } = scope;
  await produceRequests(rig.producer, config.topics.requested, 'cost', runs);
  const consumer = await scope.startRelay('consumer');
  await untilDrained(rig.kafka, config, 'runs started by the consumer', runs);
  await consumer.stop();
  const watcher = await ResultWatcher.start(rig.kafka, { completed: config.topics.completed, failed: config.topics.failed }, `${config.consumerGroupId}-results`);
  const temporalPid = await rig.servers.temporalPid();
  const worker = await scope.startRelay('worker');
  const began = performance.now();
  const before = { worker: readProcessUsage(worker.pid), temporal: temporalPid ? readProcessUsage(temporalPid) : undefined };
  const progress = new ProgressLine('runs completed by the worker');
  while (watcher.liveResults.size < runs) {
    progress.update(`${watcher.liveResults.size}/${runs} results (${watcher.liveFailures.size} failed)`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const elapsedMs = performance.now() - began;
  const after = { worker: readProcessUsage(worker.pid), temporal: temporalPid ? readProcessUsage(temporalPid) : undefined };
  progress.done(`${runs} results in ${(elapsedMs / 1000).toFixed(1)} s`);
  await worker.stop();
  await watcher.stop();
  const cpuPerRun = (from?: { cpuMs: number }, to?: { cpuMs: number }): number => (from && to ? (to.cpuMs - from.cpuMs) / runs : Number.NaN);
  const history = await historySample(rig.client, Array.from({ length: Math.min(20, runs) }, (_, i) => workflowIdFor(config.temporal.workflowIdPrefix, `cost${i}`)));
  return {
    runs,
    failed: watcher.liveFailures.size,
    runsPerSecond: (runs * 1000) / elapsedMs,
    workerCpuMsPerRun: cpuPerRun(before.worker, after.worker),
    temporalCpuMsPerRun: cpuPerRun(before.temporal, after.temporal),
    ...history,
  };
}

/** The mean number of history events of these runs, in all and by type (e.g. ACTIVITY_TASK_SCHEDULED). */
async function historySample(client: Client, workflowIds: readonly string[]): Promise<Pick<RunCostFigures, 'historyEventsPerRun' | 'historyEventsByType'>> {
  const byType: Record<string, number> = {};
  let total = 0;
  for (const workflowId of workflowIds) {
    const handle = client.workflow.getHandle(workflowId);
    // A run's result is out before the run closes (its last progress step may still be on its way): count a closed run's history.
    await handle.result().catch(() => undefined);
    const history = await handle.fetchHistory();
    for (const event of history.events ?? []) {
      const type = temporal.api.enums.v1.EventType[event.eventType ?? 0]?.replace(/^EVENT_TYPE_/, '') ?? 'UNKNOWN';
      byType[type] = (byType[type] ?? 0) + 1 / workflowIds.length;
      total += 1;
    }
  }
  return { historyEventsPerRun: total / workflowIds.length, historyEventsByType: byType };
}
