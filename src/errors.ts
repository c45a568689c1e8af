import type { DeadLetterReason } from './contracts/deadLetterRecord';

/**
 * Every error research-relay raises on purpose. Each says whether trying again can help:
 * the ingest loop dead-letters only non-retryable errors that are the message's own fault,
 * and activities turn non-retryable errors into non-retryable Temporal failures.
 */
export abstract class RelayError extends Error {
  abstract readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A bad environment variable; the message names it. */
export class ConfigurationError extends RelayError {
  readonly retryable = false;

  constructor(
    message: string,
    readonly problems: readonly string[],
  ) {
    super(message);
  }
}

/** Why an incoming request cannot become a workflow; these reasons go to the DLQ. */
export type InvalidRequestReason = DeadLetterReason;

/** The message itself is unusable: it is dead-lettered with this reason, never retried. */
export class InvalidRequestError extends RelayError {
  readonly retryable = false;

  constructor(
    readonly reason: InvalidRequestReason,
    message: string,
    readonly location: { readonly topic: string; readonly partition: number; readonly offset: string },
  ) {
    super(message);
  }
}

/** Temporal could not be reached or refused for now (throttling, shutdown): back off and retry. */
export class TemporalUnavailableError extends RelayError {
  readonly retryable = true;
}

/**
 * Temporal refused a start for good (INVALID_ARGUMENT: e.g. a payload over its size limit):
 * the same start can never succeed, so the request is dead-lettered as `start-rejected`.
 */
export class StartRejectedError extends RelayError {
  readonly retryable = false;

  constructor(
    readonly workflowId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The model's answer did not match its schema even after the allowed attempts. */
export class ModelOutputInvalidError extends RelayError {
  readonly retryable = false;

  constructor(
    readonly agent: string,
    readonly model: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The LLM endpoint failed in a way a later attempt may not (429, 5xx, timeouts are retryable). */
export class ModelRequestError extends RelayError {
  constructor(
    readonly agent: string,
    readonly model: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Kafka refused or timed out a publish; a later attempt may succeed. */
export class PublishError extends RelayError {
  readonly retryable = true;
}

/** True for errors a later attempt can fix; unknown errors count as retryable (infrastructure). */
export function isRetryable(error: unknown): boolean {
  return error instanceof RelayError ? error.retryable : true;
}
