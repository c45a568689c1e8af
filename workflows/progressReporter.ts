import type { ActivityOptions } from '@temporalio/common';
import { CancellationScope, condition, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { begunRunPriority } from './begunRunPriority';
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
const progressOptions: ActivityOptions = {
  startToCloseTimeout: '5 seconds',
  scheduleToCloseTimeout: '12 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 2, nonRetryableErrorTypes: ['EventInvalidError'] },
};

type StepDetail = Pick<ProgressDraft, 'search' | 'outcome'>;

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
  private publisher: Pick<ResearchActivities, 'publishProgress'> | undefined;

  /**
   * `enabled` false (runs started before progress existed): reports nothing, schedules nothing.
   * `withResult` (runs started after 0.4.0): the last step may go out with the result (see lastStep).
   */
  constructor(
    private readonly enabled: boolean,
    private readonly subject: ProgressSubject,
    private readonly state: ResearchRunState,
    private readonly withResult = false,
  ) {}

  /** Queues a step, with the run's searches and usage as they are now. */
  report(step: ProgressStep, detail: StepDetail = {}): void {
    if (!this.enabled) return;
    this.pending.push(this.draft(step, detail));
    this.sequence += 1;
    this.sending ??= this.drain();
  }

  /**
   * The run's last step, for the activity that publishes its result. When nothing is queued or
   * on its way, `withResult` holds the step as that activity's last argument, and the activity
   * publishes it right after the result: no progress activity, and no workflow task to hear of
   * one, for the step. Otherwise (and in runs started by 0.4.0) `withResult` is empty and the
   * step is queued behind the others once `published()` says the result is out, so the steps
   * stay in order. Call `published()` only once the result is out: a result that could not be
   * published leaves the step's number to the step that reports that instead.
   */
  lastStep(step: ProgressStep, detail: StepDetail): { readonly withResult: [] | [ProgressDraft[]]; published(): void } {
    if (!this.enabled) return { withResult: [], published: () => undefined };
    if (!this.withResult || this.sending || this.pending.length > 0) return { withResult: [], published: () => this.report(step, detail) };
    const draft = this.draft(step, detail);
    return { withResult: [[draft]], published: () => void (this.sequence = draft.sequence) };
  }

  /** The next step's event, with the run's searches and usage as they are now. */
  private draft(step: ProgressStep, detail: StepDetail): ProgressDraft {
    const { workflowId, runId } = workflowInfo();
    const { subject, state } = this;
    const total = state.usage().total;
    return {
      requestId: subject.requestId,
      workflowId,
      runId,
      ...(subject.epoch !== undefined ? { epoch: subject.epoch } : {}),
      traceId: subject.trace.traceId,
      sequence: this.sequence + 1,
      step,
      searches: { planned: state.planned, done: state.succeeded + state.failed, succeeded: state.succeeded, failed: state.failed },
      ...detail,
      usage: { inputTokens: total.inputTokens, outputTokens: total.outputTokens, estimatedCostUsd: total.estimatedCostUsd },
      ...(subject.budget ? { budget: subject.budget } : {}),
      at: new Date(Date.now()).toISOString(),
    };
  }

  /** Settles once every queued step has been published or dropped. */
  async settled(): Promise<void> {
    await this.sending;
  }

  /** Runs started after 0.4.0 publish progress at their begun-run priority (a step waits behind no new run's planner); earlier ones as they ran. */
  private progressPublisher(): Pick<ResearchActivities, 'publishProgress'> {
    this.publisher ??= proxyActivities<Pick<ResearchActivities, 'publishProgress'>>(this.withResult ? { ...progressOptions, priority: begunRunPriority() } : progressOptions);
    return this.publisher;
  }

  private async drain(): Promise<void> {
    for (;;) {
      // A run started after 0.4.0 lets the workflow task that reported a step report the rest
      // of its steps before the batch is taken: the last search and `writing`, say, go out as
      // one batch.
      if (this.withResult) await CancellationScope.nonCancellable(stepsOfThisTask);
      if (this.pending.length === 0) break;
      const batch = this.pending.splice(0);
      try {
        // Not cancellable: a cancelled run still reports that its result went out.
        await CancellationScope.nonCancellable(() => this.progressPublisher().publishProgress(batch, this.subject.trace));
      } catch {
        // Dropped: progress may be lost while Kafka is away; the run goes on (the worker logged why).
      }
    }
    this.sending = undefined;
  }
}

/**
 * Settles once the code the workflow task's jobs woke has run. A condition is checked as it is
 * made, then again only after that code has run; this one fails its first check and passes the
 * next. Nothing of it reaches the history, so replay settles it at the same point.
 */
function stepsOfThisTask(): Promise<void> {
  let checked = false;
  return condition(() => {
    const passes = checked;
    checked = true;
    return passes;
  });
}
