import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import type { SentRequest } from '../../src/client/requestSender';
import { sourceKey } from '../../src/intake/researchRunStarter';
import { sleepUnlessAborted } from '../../src/retry/backoff';
import { workflowIdFor } from '../../src/temporal/workflowIds';

/** What became of one sent request: the run that took it, or none (it was dead-lettered). */
export type SentRequestFate =
  | { readonly kind: 'started'; readonly workflowId: string; readonly runId: string }
  | { readonly kind: 'existing'; readonly workflowId: string; readonly runId: string }
  | { readonly kind: 'not-started'; readonly workflowId: string };

export interface SentRequestLookup {
  readonly temporal: Client;
  readonly kafka: Kafka;
  readonly workflowIdPrefix: string;
  readonly consumerGroupId: string;
  readonly signal: AbortSignal;
}

/**
 * Finds the run that took a sent request: the run whose memo names this record as its source
 * (a new run), or — once the consumer group has committed past the record, so it was handled
 * as a duplicate or dead-lettered — the request id's current run, if any. Matching the run,
 * not the key, keeps an earlier run's result of the same request id from being taken for it.
 */
export async function findRunOfSentRequest(sent: SentRequest, lookup: SentRequestLookup): Promise<SentRequestFate> {
  const workflowId = workflowIdFor(lookup.workflowIdPrefix, sent.requestId);
  const source = sourceKey(sent);
  const admin = lookup.kafka.admin();
  await admin.connect();
  try {
    while (!lookup.signal.aborted) {
      const current = await describeRun(lookup.temporal, workflowId, lookup.signal);
      if (current?.memo?.source === source) return { kind: 'started', workflowId, runId: current.runId };
      if (await consumedPast(admin, lookup.consumerGroupId, sent)) {
        const settled = await describeRun(lookup.temporal, workflowId, lookup.signal);
        if (settled?.memo?.source === source) return { kind: 'started', workflowId, runId: settled.runId };
        return settled ? { kind: 'existing', workflowId, runId: settled.runId } : { kind: 'not-started', workflowId };
      }
      await sleepUnlessAborted(250, lookup.signal);
    }
    throw new Error(`request ${sent.requestId} was not taken by the relay in time (is the consumer running?)`);
  } finally {
    await admin.disconnect();
  }
}

async function describeRun(temporal: Client, workflowId: string, signal: AbortSignal): Promise<WorkflowExecutionDescription | undefined> {
  try {
    return await temporal.withAbortSignal(AbortSignal.any([signal]), () => temporal.workflow.getHandle(workflowId).describe());
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

async function consumedPast(admin: ReturnType<Kafka['admin']>, groupId: string, sent: SentRequest): Promise<boolean> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [sent.topic] });
  const partition = committed?.partitions.find((entry) => entry.partition === sent.partition);
  return partition !== undefined && partition.offset !== '-1' && BigInt(partition.offset) > BigInt(sent.offset);
}
