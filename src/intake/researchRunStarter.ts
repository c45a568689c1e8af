import type { Client } from '@temporalio/client';
import type { TemporalSettings } from '../config/relayConfig';
import type { ResearchRequested } from '../contracts/researchRequested';
import { startIdempotently, type StartOutcome } from '../temporal/idempotentStart';
import { runPriority, type RunUrgency } from '../temporal/runPriority';
import { workflowIdFor } from '../temporal/workflowIds';
import type { TraceContext } from '../telemetry/traceContext';
import type { ResearchWorkflow } from '../../workflows/researchWorkflow';
import type { MessageLocation } from './requestDecoder';
import { requestDigest, requestDigestMemoField } from './requestDigest';
import { requesterMemoField } from './researchRunCanceller';

export interface ResearchRunStart {
  readonly request: ResearchRequested;
  readonly trace: TraceContext;
  readonly location: MessageLocation;
  /** A deliberate rerun: its own workflow id, and the result carries the epoch. */
  readonly epoch?: number;
  /** `batch` (replay): queued behind every live run's tasks. Default `live`. */
  readonly urgency?: RunUrgency;
}

/**
 * `topic:partition:offset` of the record that started a run, kept in the run's memo: how a
 * sender tells the run its record started from an older run of the same request id.
 *
 * @example
 * sourceKey({ topic: 'research.requested', partition: 2, offset: '41' }); // 'research.requested:2:41'
 */
export function sourceKey(location: MessageLocation): string {
  return `${location.topic}:${location.partition}:${location.offset}`;
}

/**
 * Starts the ResearchWorkflow of one request idempotently — the one start of the intake path —
 * with its Temporal priority: live runs before batch ones, tenants in turn within each. The
 * request's digest goes into the run's memo: a later record with the same id and another
 * question is told apart from a redelivery (`id-reused`).
 */
export function startResearchRun(client: Client, settings: TemporalSettings, start: ResearchRunStart): Promise<StartOutcome> {
  const { request, trace, location, epoch } = start;
  const digest = requestDigest(request);
  return startIdempotently<typeof ResearchWorkflow>(client, 'ResearchWorkflow', {
    taskQueue: settings.taskQueue,
    workflowId: workflowIdFor(settings.workflowIdPrefix, request.requestId, epoch),
    reusePolicy: settings.reusePolicy,
    identity: { memoField: requestDigestMemoField, value: digest },
    args: [{ request, ...(epoch !== undefined ? { epoch } : {}), trace, source: location }],
    priority: runPriority(request, start.urgency ?? 'live', settings),
    memo: { requestId: request.requestId, traceId: trace.traceId, source: sourceKey(location), [requestDigestMemoField]: digest, ...requester(request), ...(epoch !== undefined ? { epoch } : {}) },
  });
}

/** The request's requestedBy for the memo, where a cancel's is checked against it (CANCEL_REQUIRE_SAME_REQUESTER). */
function requester(request: ResearchRequested): Record<string, string> {
  return request.requestedBy !== undefined ? { [requesterMemoField]: request.requestedBy } : {};
}
