import { replayRequests, type ReplayOptions, type ReplaySummary } from '../../operator/replay/requestReplay';
import { researchCompletedSchema, type ResearchCompleted } from '../../src/contracts/researchCompleted';
import type { ResearchRequested } from '../../src/contracts/researchRequested';
import { silentLogger } from '../../src/logging/logger';
import type { PipelineHarness } from './pipelineHarness';

/** The request `batch-<i>` of produceBatch, as its record holds it (a run started for it directly must ask the same). */
export function batchRequest(i: number): ResearchRequested {
  return { requestId: `batch-${i}`, query: `Batch question ${i} on event sourcing`, maxSearches: 1, metadata: { colour: i % 4 === 0 ? 'blue' : 'green' } };
}

/** A batch of requests on the harness's request topic, for replays: `batch-0` … `batch-<n-1>`, a quarter of them blue. */
export async function produceBatch(harness: PipelineHarness, count: number): Promise<string[]> {
  const requests = Array.from({ length: count }, (_, i) => batchRequest(i));
  await harness.producer.send({
    topic: harness.config.topics.requested,
    acks: -1,
    messages: requests.map((request) => ({ key: request.requestId, value: JSON.stringify(request) })),
  });
  return requests.map((request) => request.requestId);
}

/** The completed events of one rerun epoch seen so far. */
export function completedWithEpoch(harness: PipelineHarness, epoch: number): ResearchCompleted[] {
  return harness.recorder
    .on(harness.config.topics.completed)
    .map((record) => researchCompletedSchema.parse(JSON.parse(record.value.toString())))
    .filter((event) => event.epoch === epoch);
}

/** A replay through the library with the harness's clients, in small fetches: a partition's range spans many batches, as on a real topic. */
export function replayBatch(harness: PipelineHarness, options: Partial<ReplayOptions>): Promise<ReplaySummary> {
  return replayRequests({ kafka: harness.kafka, temporal: harness.client, config: harness.config, logger: silentLogger, maxBytesPerPartition: 2048, ...options });
}
