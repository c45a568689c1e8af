import { CancellationScope, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ResearchActivities } from '../activities/createActivities';
import type { ProgressDraft } from '../activities/progressPublisher';
import type { ProgressStep } from '../src/contracts/researchProgress';
import type { RunBudget } from '../src/contracts/runBudget';
import type { TraceContext } from '../src/telemetry/traceContext';
import type { ResearchRunState } from './researchRunState';

/**
 * Progress is best effort: a publish gets a few seconds and two tries (none after a refusal
 * Kafka never lifts), then its batch is dropped. The run never waits for it on the way — only
 * after its result is out, for the last step — so Kafka being away delays no result and fails
 * no run.
 */
const progressPublisher = proxyActivities<Pick<ResearchActivities, 'publishProgress'>>({
  startToCloseTimeout: '5 seconds',
  scheduleToCloseTimeout: '12 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 2, nonRetryableErrorTypes: ['EventInvalidError'] },
});

/** Who the progress events are about: the run, its request and its trace. */
export interface ProgressSubject {
  readonly requestId: string;
  readonly epoch?: number | undefined;
  readonly trace: TraceContext;
  readonly budget?: RunBudget | undefined;
}

/**
 * Reports a run's steps as `research.progress.v1` events. Steps queue up and go out in order, a
 * batch at a time, by an activity the workflow does not wait for: while one batch is being
 * published the next steps gather, so a fast run sends few batches and a slow Kafka holds no
 * step of the run back. A batch that fails is dropped and the next one tried.
 */
export class ProgressReporter {
  private readonly pending: ProgressDraft[] = [];
  private sending: Promise<void> | undefined;
  private sequence = 0;

  /** `enabled` false (runs started before progress existed): reports nothing, schedules nothing. */
  constructor(
    private readonly enabled: boolean,
    private readonly subject: ProgressSubject,
    private readonly state: ResearchRunState,
  ) {}

  /** Queues a step, with the run's searches and usage as they are now. */
  report(step: ProgressStep, detail: Pick<ProgressDraft, 'search' | 'outcome'> = {}): void {
    if (!this.enabled) return;
    const { workflowId, runId } = workflowInfo();
    const { subject, state } = this;
    const total = state.usage().total;
    this.sequence += 1;
    this.pending.push({
      requestId: subject.requestId,
      workflowId,
      runId,
      ...(subject.epoch !== undefined ? { epoch: subject.epoch } : {}),
      traceId: subject.trace.traceId,
      sequence: this.sequence,
      step,
      searches: { planned: state.planned, done: state.succeeded + state.failed, succeeded: state.succeeded, failed: state.failed },
      ...detail,
      usage: { inputTokens: total.inputTokens, outputTokens: total.outputTokens, estimatedCostUsd: total.estimatedCostUsd },
      ...(subject.budget ? { budget: subject.budget } : {}),
      at: new Date(Date.now()).toISOString(),
    });
    this.sending ??= this.drain();
  }

  /** Settles once every queued step has been published or dropped. */
  async settled(): Promise<void> {
    await this.sending;
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0);
      try {
        // Not cancellable: a cancelled run still reports that its result went out.
        await CancellationScope.nonCancellable(() => progressPublisher.publishProgress(batch, this.subject.trace));
      } catch {
        // Dropped: progress may be lost while Kafka is away; the run goes on (the worker logged why).
      }
    }
    this.sending = undefined;
  }
}
