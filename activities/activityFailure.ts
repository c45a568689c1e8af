import { ApplicationFailure } from '@temporalio/activity';
import { TemporalFailure } from '@temporalio/common';
import { ModelRequestError, RelayError, SearchBackendUnavailableError } from '../src/errors';
import { maskSecrets } from '../src/logging/logger';
import type { SpentUsageDetails } from './attemptUsage';

/**
 * Translates our errors into Temporal failures at the activity boundary: non-retryable
 * errors stop the retries at once, a Retry-After from the model endpoint or a search back end
 * becomes the delay before the next attempt. Other errors pass through and Temporal retries
 * them — unless the attempt spent tokens: then every error becomes an ApplicationFailure whose
 * details carry that usage (the workflow adds it to the run's), keeping its type and retryability.
 */
export function toActivityFailure(error: unknown, spent?: SpentUsageDetails): unknown {
  const details = spent ? [spent] : undefined;
  // Cancellation and Temporal's own failures keep their meaning; they carry no text of ours.
  if (!(error instanceof Error)) return ApplicationFailure.create({ type: 'Error', message: maskSecrets(String(error)), nonRetryable: false, ...(details ? { details } : {}) });
  if (error instanceof TemporalFailure && !(error instanceof ApplicationFailure)) return error;
  // Whatever the activity hit is recorded in Temporal's history and may reach research.failed:
  // no secret in it, its causes included.
  const cause = maskedError(error);
  if (!(error instanceof RelayError)) {
    if (error instanceof ApplicationFailure) {
      const kept = details ?? error.details ?? undefined;
      return ApplicationFailure.create({ type: error.type ?? error.name, message: cause.message, nonRetryable: error.nonRetryable === true, ...(kept ? { details: [...kept] } : {}), cause });
    }
    return ApplicationFailure.create({ type: error.name, message: cause.message, nonRetryable: false, ...(details ? { details } : {}), cause });
  }
  const retryAfterMs = error instanceof ModelRequestError || error instanceof SearchBackendUnavailableError ? error.retryAfterMs : undefined;
  return ApplicationFailure.create({
    type: error.name,
    message: cause.message,
    nonRetryable: !error.retryable,
    ...(details ? { details } : {}),
    ...(error.retryable && retryAfterMs !== undefined ? { nextRetryDelay: retryAfterMs } : {}),
    cause,
  });
}

/** A copy of the error and its causes (a few deep) with every registered secret masked. */
function maskedError(error: Error, depth = 0): Error {
  const copy = new Error(maskSecrets(error.message));
  copy.name = error.name;
  copy.stack = maskSecrets(error.stack ?? '');
  if (error.cause instanceof Error && depth < 4) copy.cause = maskedError(error.cause, depth + 1);
  return copy;
}
