import { ApplicationFailure } from '@temporalio/activity';
import { ModelRequestError, RelayError } from '../src/errors';

/**
 * Translates our errors into Temporal failures at the activity boundary: non-retryable
 * errors stop the retries at once, a Retry-After from the model endpoint becomes the delay
 * before the next attempt. Other errors pass through and Temporal retries them.
 */
export function toActivityFailure(error: unknown): unknown {
  if (!(error instanceof RelayError)) return error;
  const retryAfterMs = error instanceof ModelRequestError ? error.retryAfterMs : undefined;
  return ApplicationFailure.create({
    type: error.name,
    message: error.message,
    nonRetryable: !error.retryable,
    ...(error.retryable && retryAfterMs !== undefined ? { nextRetryDelay: retryAfterMs } : {}),
    cause: error,
  });
}
