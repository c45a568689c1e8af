import type { Client } from '@temporalio/client';
import type { RelayConfig } from '../src/config/relayConfig';
import type { ResearchRequested } from '../src/contracts/researchRequested';
import { startIdempotently, type StartOutcome } from '../src/temporal/idempotentStart';
import { workflowIdFor } from '../src/temporal/workflowIds';
import type { ResearchWorkflow } from '../workflows/researchWorkflow';
import type { ResearchTuning } from '../workflows/researchWorkflowInput';
import type { MessageLocation } from './requestDecoder';
import type { RequestTrace } from './requestTrace';

export interface ResearchRunStart {
  readonly request: ResearchRequested;
  readonly trace: RequestTrace;
  readonly location: MessageLocation;
  /** A deliberate rerun: workflow id `research-<id>-r<epoch>`, and the result carries the epoch. */
  readonly epoch?: number;
  /**
   * `use-existing` (live ingest): a redelivery attaches to the running run.
   * `fail` (replay): any existing run, running or closed, counts as "already existing".
   */
  readonly conflict?: 'use-existing' | 'fail';
  readonly tuning?: Partial<ResearchTuning>;
}

/** Starts the ResearchWorkflow of one request idempotently — the one start path of ingest and replay. */
export function startResearchRun(client: Client, config: RelayConfig, start: ResearchRunStart): Promise<StartOutcome> {
  const { request, trace, location, epoch } = start;
  return startIdempotently<typeof ResearchWorkflow>(client, 'ResearchWorkflow', {
    taskQueue: config.temporal.taskQueue,
    workflowId: workflowIdFor(config.temporal.workflowIdPrefix, request.requestId, epoch),
    reusePolicy: config.temporal.reusePolicy,
    conflict: start.conflict ?? 'use-existing',
    args: [
      {
        request,
        ...(epoch !== undefined ? { epoch } : {}),
        trace: { traceparent: trace.traceparent, ...(trace.tracestate ? { tracestate: trace.tracestate } : {}) },
        source: location,
        tuning: {
          searchConcurrency: config.llm.searchConcurrency,
          llmAttempts: config.llm.activityAttempts,
          llmInitialRetryMs: config.llm.retryInitialMs,
          llmActivityTimeoutMs: config.llm.activityTimeoutMs,
          ...start.tuning,
        },
      },
    ],
    memo: { requestId: request.requestId, traceId: trace.traceId, ...(epoch !== undefined ? { epoch } : {}) },
  });
}
