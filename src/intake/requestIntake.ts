import { context as otelContext, trace as otelTrace } from '@opentelemetry/api';
import type { Client } from '@temporalio/client';
import type { KafkaMessage, Producer } from 'kafkajs';
import type { RelayConfig } from '../config/relayConfig';
import type { ResearchCancel } from '../contracts/researchCancel';
import type { ResearchRequested } from '../contracts/researchRequested';
import { InvalidRequestError, isRetryable, RunNotStartedYetError, StartRejectedError } from '../errors';
import type { Logger } from '../logging/logger';
import { defaultBackoff, retryWithBackoff, type BackoffPolicy } from '../retry/backoff';
import { withCallSignal } from '../concurrency/callSignal';
import { activeTraceContext, newTraceContext, otelContextOf, traceContextFromHeaders, type TraceContext } from '../telemetry/traceContext';
import { runExists } from '../temporal/runExists';
import type { RunUrgency } from '../temporal/runPriority';
import { workflowIdFor } from '../temporal/workflowIds';
import { writeDeadLetter } from './deadLetterWriter';
import { decodeRecord, type DecodedRecord, type IntakeTopicRole, type MessageLocation } from './requestDecoder';
import { cancelResearchRun, type CancelPolicy, type CancelResult } from './researchRunCanceller';
import { startResearchRun } from './researchRunStarter';
import { runSessionAttributes } from '../telemetry/runSessionAttributes';

/** How one record ended on the intake path. */
export type IntakeOutcome =
  | { readonly kind: 'started'; readonly requestId: string; readonly workflowId: string }
  /** A run with this workflow id already exists (or, live, is running and was attached to). */
  | { readonly kind: 'duplicate'; readonly requestId: string; readonly workflowId: string }
  /** Not a request, or refused by Temporal for good. `written`: a DLQ record holds it now. */
  | { readonly kind: 'dead-lettered'; readonly reason: string; readonly detail: string; readonly written: boolean }
  /** Left out by the caller's filter (replay --where). */
  | { readonly kind: 'filtered'; readonly requestId: string }
  /**
   * A `research.cancel` event: what delivering it to the request's live run did, or `skipped`
   * where the caller does not deliver cancels (replay, redrive, dry runs). Never a start.
   */
  | { readonly kind: 'cancel'; readonly requestId: string; readonly workflowId: string; readonly result: CancelResult | 'skipped' };

/** What the caller of the intake path decides; the steps are the same for everyone. */
export interface IntakeMode {
  /** `use-existing` for live ingest and redrive; `fail` for replay (counts existing runs). */
  readonly conflict: 'use-existing' | 'fail';
  /** A deliberate rerun under its own workflow ids. */
  readonly epoch?: number;
  /** `batch` (replay): its runs wait behind live ones in Temporal's task queue. Default `live`. */
  readonly urgency?: RunUrgency;
  /**
   * `write`: bad records go to the DLQ; `leave`: they already are there (redrive) and are only
   * reported; `count`: a dry run, nothing is written and nothing is started.
   */
  readonly deadLetters: 'write' | 'leave' | 'count';
  /**
   * `deliver` (live ingest): a cancel event cancels the request's running run. `skip` (replay,
   * redrive): it is reported and nothing else — a cancel belongs to its moment, and replaying
   * one later would cancel a run the sender never meant. A dry run (`count`) never delivers.
   */
  readonly cancels: 'deliver' | 'skip';
  /** `continue`: the run joins the active span's trace, else the record's; `new`: the active span's or a fresh one. */
  readonly trace: 'continue' | 'new';
  /** Requests the caller wants (replay --where); the others end as `filtered`. */
  readonly accept?: (request: ResearchRequested) => boolean;
  /** Live ingest: records older than this (by their timestamp) are dead-lettered as `expired`. */
  readonly maxAgeMs?: number;
  /** Awaited once before a run is started (replay --rate). */
  readonly beforeStart?: () => Promise<void>;
}

/** Attempts per step for operator tools (about 80 s of backoff), after which a record counts as an error. */
export const operatorAttempts = 10;

/** The caller's loop: whether to keep retrying, the abort of a shutdown, a heart-beat while waiting. */
export interface IntakeControl {
  readonly signal: AbortSignal;
  readonly canContinue: () => boolean;
  readonly heartbeat?: () => Promise<void>;
  /**
   * Attempts of one step before a retryable error is given up on and thrown (operator tools:
   * an operator waits for an answer); unbounded for live ingest, which must never skip a record.
   */
  readonly maxAttempts?: number;
}

export interface IntakeDependencies {
  readonly temporal: Client;
  /** Needed unless the mode never writes dead letters. */
  readonly producer?: Producer;
  readonly config: RelayConfig;
  readonly logger: Logger;
  /** Backoff while Temporal or the DLQ is unavailable. */
  readonly backoff?: BackoffPolicy;
  /**
   * Live ingest: whether the group has taken in every request stamped before this time (see
   * RequestsCatchUp). Absent: a cancel never waits for its run.
   */
  readonly requestsTakenIn?: (timestamp: number) => Promise<boolean>;
}

/**
 * The one intake path of live ingest, replay and DLQ redrive: decode → dead-letter with a
 * reason, or start the run idempotently (a cancel event: cancel the running run). One retry
 * policy: errors a later attempt can fix (Temporal or Kafka away, throttling) back off and
 * retry for as long as the caller may continue, heart-beating meanwhile; errors that can
 * never succeed (the record is neither a request nor a cancel, Temporal rejects the start for
 * good) are dead-lettered with their reason.
 * Resolves undefined when the caller stopped (shutdown, rebalance) before the record was done.
 */
export class RequestIntake {
  constructor(private readonly deps: IntakeDependencies) {}

  /**
   * The workflow id the record's run has under this mode, or undefined where it starts no run
   * (not a valid request, a cancel, left out by the filter): what a caller looks up in batches
   * before it admits the records one by one.
   */
  workflowIdOf(message: KafkaMessage, location: MessageLocation, mode: IntakeMode): string | undefined {
    let decoded: DecodedRecord;
    try {
      decoded = decodeRecord(message, location, this.deps.config, this.roleOf(location));
    } catch {
      return undefined;
    }
    if (decoded.kind === 'cancel' || (mode.accept && !mode.accept(decoded.request))) return undefined;
    return workflowIdFor(this.deps.config.temporal.workflowIdPrefix, decoded.request.requestId, mode.epoch);
  }

  /**
   * Whether `mode` counts a run the visibility lists as existing (so a replay's batched lookup is
   * worth its calls): only where the start would be refused for any earlier run, that is under
   * reject-duplicate; under allow-duplicate-failed-only a failed run is started again, so the
   * start decides. A dry run counts any run as existing, as its per-record check does.
   */
  takesListedRuns(mode: IntakeMode): boolean {
    return mode.conflict === 'fail' && (mode.deadLetters === 'count' || this.deps.config.temporal.reusePolicy === 'reject-duplicate');
  }

  /**
   * `listed`: what Temporal's visibility said of the record's workflow id a moment ago (replay's
   * batched pre-check; only with `conflict: 'fail'`). Listed: a run exists, nothing is started.
   * Not listed: a dry run counts a start; anything else still starts idempotently, which
   * decides, as visibility lags behind a run started just before.
   */
  async admit(message: KafkaMessage, location: MessageLocation, mode: IntakeMode, control: IntakeControl, listed?: boolean): Promise<IntakeOutcome | undefined> {
    let decoded: DecodedRecord;
    try {
      decoded = decodeRecord(message, location, this.deps.config, this.roleOf(location));
    } catch (error) {
      if (!(error instanceof InvalidRequestError)) throw error;
      return this.deadLetter(message, error, mode, control);
    }
    if (decoded.kind === 'cancel') return this.cancel(message, decoded.cancel, location, mode, control);
    const { request } = decoded;
    // The record's span (`<topic> process`) names the run's session, user and metadata.
    otelTrace.getActiveSpan()?.setAttributes(runSessionAttributes(request));
    const workflowId = workflowIdFor(this.deps.config.temporal.workflowIdPrefix, request.requestId, mode.epoch);
    const where = { ...location, requestId: request.requestId, workflowId };
    const expired = expiry(message, mode.maxAgeMs, location) ?? futureStamp(message, mode.maxAgeMs !== undefined ? this.deps.config.maxClockSkewMs : undefined, location);
    if (expired) {
      // A redelivered record whose run already started is that run's, however old it is now.
      const exists = await this.untilDone(() => runExists(this.deps.temporal, workflowId), 'existence check', where, control);
      if (exists === undefined) return undefined;
      return exists ? { kind: 'duplicate', requestId: request.requestId, workflowId } : this.deadLetter(message, expired, mode, control);
    }
    if (mode.accept && !mode.accept(request)) return { kind: 'filtered', requestId: request.requestId };
    const checked = this.takesListedRuns(mode) ? listed : undefined;
    if (checked === true) return { kind: 'duplicate', requestId: request.requestId, workflowId };
    if (mode.deadLetters === 'count') {
      const exists = checked ?? (await this.untilDone(() => runExists(this.deps.temporal, workflowId), 'existence check', where, control));
      if (exists === undefined) return undefined;
      return { kind: exists ? 'duplicate' : 'started', requestId: request.requestId, workflowId };
    }
    await mode.beforeStart?.();
    return this.start(message, request, location, mode, control);
  }

  private async start(message: KafkaMessage, request: ResearchRequested, location: MessageLocation, mode: IntakeMode, control: IntakeControl): Promise<IntakeOutcome | undefined> {
    const trace = traceFor(message, mode);
    const start = { request, trace, location, ...(mode.epoch !== undefined ? { epoch: mode.epoch } : {}), ...(mode.urgency ? { urgency: mode.urgency } : {}) };
    // The start (and its StartWorkflow span) joins the run's trace even where no span is
    // active (telemetry off, redrive): the worker's spans then continue the same trace.
    const parent = otelTrace.getSpan(otelContext.active()) ? otelContext.active() : otelContextOf(trace);
    try {
      const outcome = await this.untilDone(() => otelContext.with(parent, () => startResearchRun(this.deps.temporal, this.deps.config.temporal, start)), 'workflow start', { ...location, requestId: request.requestId }, control);
      if (outcome?.kind === 'id-reused') return this.deadLetter(message, idReused(outcome.workflowId, outcome.existingStatus, location), mode, control);
      return outcome && { kind: outcome.kind, requestId: request.requestId, workflowId: outcome.workflowId };
    } catch (error) {
      if (!(error instanceof StartRejectedError)) throw error;
      return this.deadLetter(message, new InvalidRequestError('start-rejected', error.message, location), mode, control);
    }
  }

  /**
   * Delivers a cancel to the request's live run (`research-<requestId>`; reruns have ids of
   * their own and are not touched), where cancels are allowed from the record's topic (else it
   * is dead-lettered as cancel-not-allowed) and, if required, from the request's own requester
   * (else cancel-refused). Never starts anything: a finished run or an unknown request id is an
   * outcome, logged and counted, not an error; a cancel on the cancel topic first waits for its
   * run (CANCEL_WAIT_FOR_RUN_MS from its timestamp), as its request travels on another topic.
   * No age limit: cancelling a run that has ended changes nothing.
   */
  private async cancel(message: KafkaMessage, cancel: ResearchCancel, location: MessageLocation, mode: IntakeMode, control: IntakeControl): Promise<IntakeOutcome | undefined> {
    const { requestId } = cancel;
    const workflowId = workflowIdFor(this.deps.config.temporal.workflowIdPrefix, requestId);
    otelTrace.getActiveSpan()?.setAttribute('research.request_id', requestId);
    if (mode.cancels === 'skip' || mode.deadLetters === 'count') return { kind: 'cancel', requestId, workflowId, result: 'skipped' };
    const notAllowed = cancelNotAllowed(this.deps.config, location);
    if (notAllowed) return this.deadLetter(message, notAllowed, mode, control);
    const where = { ...location, requestId, workflowId };
    const policy = { requireSameRequester: this.deps.config.cancels.requireSameRequester, ...this.runWait(message, location) };
    const result = await this.untilDone(() => cancelResearchRun(this.deps.temporal, workflowId, cancel, policy), 'cancel', where, control);
    if (result === undefined) return undefined;
    if (result === 'refused') return this.deadLetter(message, cancelRefused(workflowId, location), mode, control);
    if (result === 'unmatched') return this.deadLetter(message, cancelUnmatched(workflowId, this.deps.config.cancels.waitForRunMs, location), mode, control);
    const fields = { ...where, ...(cancel.reason !== undefined ? { reason: cancel.reason } : {}), ...(cancel.requestedBy !== undefined ? { requestedBy: cancel.requestedBy } : {}) };
    if (result === 'requested') this.deps.logger.info('cancel delivered: the run is being cancelled', fields);
    else if (result === 'finished') this.deps.logger.info('cancel ignored: the run has already finished', fields);
    else this.deps.logger.warn('cancel ignored: no run for this request id (a cancel that arrives before its request is not remembered)', fields);
    return { kind: 'cancel', requestId, workflowId, result };
  }

  /**
   * How a cancel waits for a run it does not find: on the requests topic not at all (it follows
   * its request in the partition); from the cancel topic until ingest has taken in every request
   * stamped before the cancel, for at most CANCEL_WAIT_FOR_RUN_MS from when this process first
   * looked (not from the record's stamp, which a producer may set, and which a redelivery after a
   * restart has long passed).
   */
  private runWait(message: KafkaMessage, location: MessageLocation): Pick<CancelPolicy, 'wait'> {
    const { requestsTakenIn } = this.deps;
    if (this.roleOf(location) !== 'cancels' || !requestsTakenIn) return {};
    const sentAt = Math.min(Number(message.timestamp), Date.now());
    return { wait: { until: Date.now() + this.deps.config.cancels.waitForRunMs, requestsTakenIn: () => requestsTakenIn(sentAt) } };
  }

  /** The cancel topic holds cancels only; every other intake topic requests (and, while migrating, cancels). */
  private roleOf(location: MessageLocation): IntakeTopicRole {
    return location.topic === this.deps.config.topics.cancel ? 'cancels' : 'requests';
  }

  private async deadLetter(message: KafkaMessage, error: InvalidRequestError, mode: IntakeMode, control: IntakeControl): Promise<IntakeOutcome | undefined> {
    const { producer, config, logger } = this.deps;
    const outcome = { kind: 'dead-lettered', reason: error.reason, detail: error.message } as const;
    if (mode.deadLetters !== 'write') return { ...outcome, written: false };
    if (!producer) throw new Error('the intake path needs a producer to write dead letters');
    const written = await this.untilDone(() => writeDeadLetter(producer, config.topics.deadLetter, message, error).then(() => true), 'dead-letter write', error.location, control);
    if (!written) return undefined;
    logger.warn('request dead-lettered', { reason: error.reason, detail: error.message, ...error.location });
    return { ...outcome, written: true };
  }

  /** Retries a step while a retry can help and the caller may go on; undefined once it may not. `where` is logged with each retry. */
  private async untilDone<T>(step: () => Promise<T>, what: string, where: MessageLocation & { readonly requestId?: string; readonly workflowId?: string }, control: IntakeControl): Promise<T | undefined> {
    try {
      // The caller's signal also cancels a Temporal call in flight (shutdown, a lost partition).
      // Each attempt gets a signal of its own: the client adds an abort listener per call and
      // never removes it, which would pile up on the caller's long-lived signal.
      const attempt = (): Promise<T> => (control.signal.aborted ? Promise.reject(new Error('stopped before the attempt')) : withCallSignal(control.signal, (signal) => this.deps.temporal.withAbortSignal(signal, step)));
      const done = await retryWithBackoff(attempt, {
        policy: this.deps.backoff ?? defaultBackoff,
        shouldRetry: (error, attempt) => isRetryable(error) && control.canContinue() && attempt < (control.maxAttempts ?? Infinity),
        signal: control.signal,
        whileWaiting: () => control.heartbeat?.(),
        onRetry: (error, attempt, delayMs) => {
          // A cancel waiting for its request's run is no failure: one line at debug, not a warning with a stack.
          if (error instanceof RunNotStartedYetError) this.deps.logger.debug(`${what}: ${error.message}`, { attempt, delayMs, ...where });
          else this.deps.logger.warn(`${what} failed; retrying`, { attempt, delayMs, error, ...where });
        },
      });
      // The abort does not reach a call the client is still retrying inside (a connection being
      // re-established): one that succeeds after it is reported as interrupted all the same — the
      // record's next reader (another member after a rebalance) repeats the step, idempotently,
      // and the record is acknowledged once, by its owner.
      return control.signal.aborted || !control.canContinue() ? undefined : done;
    } catch (error) {
      if (!control.canContinue() || control.signal.aborted) return undefined;
      throw error;
    }
  }
}

/** An `expired` error when the record is older than the limit, else undefined. */
function expiry(message: KafkaMessage, maxAgeMs: number | undefined, location: MessageLocation): InvalidRequestError | undefined {
  const ageMs = Date.now() - Number(message.timestamp);
  if (maxAgeMs === undefined || !(ageMs > maxAgeMs)) return undefined;
  const hours = (ms: number): string => `${(ms / 3_600_000).toFixed(1)} h`;
  return new InvalidRequestError('expired', `the request is ${hours(ageMs)} old; requests older than ${hours(maxAgeMs)} are not run (REQUEST_MAX_AGE_MS, default the namespace's retention)`, location);
}

/** Why a cancel is not taken at all from where it came (cancels turned off, or on the requests topic), else undefined. */
function cancelNotAllowed(config: RelayConfig, location: MessageLocation): InvalidRequestError | undefined {
  if (!config.cancels.enabled) return new InvalidRequestError('cancel-not-allowed', 'cancels are turned off here (CANCELS_ENABLED=false)', location);
  if (location.topic !== config.topics.cancel && !config.cancels.onRequestsTopic) {
    return new InvalidRequestError('cancel-not-allowed', `cancels are taken from ${config.topics.cancel} (TOPIC_CANCEL) only; set CANCELS_ON_REQUESTS_TOPIC=true to take them from the requests topic while producers move`, location);
  }
  return undefined;
}

/** No run after the wait, while requests sent before the cancel were still being taken in. */
function cancelUnmatched(workflowId: string, waitMs: number, location: MessageLocation): InvalidRequestError {
  return new InvalidRequestError('cancel-unmatched', `no run ${workflowId} within ${Math.round(waitMs / 1000)} s (CANCEL_WAIT_FOR_RUN_MS), and ingest had not yet taken in every request sent before the cancel: its request may still run; send the cancel again once it does`, location);
}

/** The cancel does not name the requester its run records (CANCEL_REQUIRE_SAME_REQUESTER). */
function cancelRefused(workflowId: string, location: MessageLocation): InvalidRequestError {
  return new InvalidRequestError('cancel-refused', `the cancel's requestedBy is not the one run ${workflowId} was requested by (CANCEL_REQUIRE_SAME_REQUESTER=true); the run goes on`, location);
}

/**
 * A `future-timestamp` error when the record is stamped further ahead than `maxSkewMs`: its age
 * cannot be judged (a producer's clock, or a stamp chosen to dodge REQUEST_MAX_AGE_MS).
 */
function futureStamp(message: KafkaMessage, maxSkewMs: number | undefined, location: MessageLocation): InvalidRequestError | undefined {
  const aheadMs = Number(message.timestamp) - Date.now();
  // A broker-stamped record is as far ahead as the broker's clock is of ours: no producer's doing.
  if (maxSkewMs === undefined || !(aheadMs > maxSkewMs) || brokerStamped(message)) return undefined;
  return new InvalidRequestError('future-timestamp', `the record is stamped ${Math.round(aheadMs / 1000)} s in the future; at most ${Math.round(maxSkewMs / 1000)} s are allowed (REQUEST_MAX_CLOCK_SKEW_MS), as its age could not be judged`, location);
}

/** Whether the broker stamped the record (its batch is LogAppendTime): kafkajs keeps the batch's context on each record. */
function brokerStamped(message: KafkaMessage): boolean {
  return (message as KafkaMessage & { batchContext?: { timestampType?: number } }).batchContext?.timestampType === 1;
}

/** The request id already names a run that asked something else. */
function idReused(workflowId: string, existingStatus: string, location: MessageLocation): InvalidRequestError {
  return new InvalidRequestError('id-reused', `the request id already belongs to run ${workflowId} (${existingStatus.toLowerCase()}), which was started for different content; a new question needs a new request id`, location);
}

/** The trace a run joins: the active span's (which continues the producer's), else the record's, else a new one. */
function traceFor(message: KafkaMessage, mode: IntakeMode): TraceContext {
  const active = activeTraceContext();
  if (mode.trace === 'new') return active ?? newTraceContext();
  return active ?? traceContextFromHeaders(message.headers) ?? newTraceContext();
}
