import { ApplicationFailure } from '@temporalio/activity';
import { ModelRequestError, RelayError } from '../src/errors';
import type { SpentUsageDetails } from './attemptUsage';

/**
 * Translates our errors into Temporal failures at the activity boundary: non-retryable
 * errors stop the retries at once, a Retry-After from the model endpoint becomes the delay
 * before the next attempt. Other errors pass through and Temporal retries them — unless the
 * attempt spent tokens: then every error becomes an ApplicationFailure whose details carry
 * that usage (the workflow adds it to the run's), keeping its type and retryability.
 */
export function toActivityFailure(error: unknown, spent?: SpentUsageDetails): unknown {
  const details = spent ? [spent] : undefined;
  if (!(error instanceof RelayError)) {
    if (!details || !(error instanceof Error)) return error;
    const nonRetryable = error instanceof ApplicationFailure ? error.nonRetryable === true : false;
    const type = error instanceof ApplicationFailure ? (error.type ?? error.name) : error.name;
    return ApplicationFailure.create({ type, message: error.message, nonRetryable, details, cause: error });
  }
  const retryAfterMs = error instanceof ModelRequestError ? error.retryAfterMs : undefined;
  return ApplicationFailure.create({
    type: error.name,
    message: error.message,
    nonRetryable: !error.retryable,
    ...(details ? { details } : {}),
    ...(error.retryable && retryAfterMs !== undefined ? { nextRetryDelay: retryAfterMs } : {}),
    cause: error,
  });
}
