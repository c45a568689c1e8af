import OpenAI from 'openai';
import { ModelRequestError } from '../errors';
import { maskSecrets } from '../logging/logger';

/**
 * The error for a model call that got no answer: timeouts, unreachable endpoints, cancellation
 * and HTTP 408/409/429/5xx are retryable (Temporal retries the activity, after the endpoint's
 * Retry-After when it sent one); other HTTP statuses (400, 401, 404, …) are not.
 */
export function toModelRequestError(call: { readonly agent: string; readonly model: string }, error: unknown): ModelRequestError {
  const where = `${call.agent} (${call.model})`;
  const failure = (status: number | undefined, retryable: boolean, message: string, retryAfterMs?: number): ModelRequestError =>
    new ModelRequestError(call.agent, call.model, status, retryable, message, retryAfterMs, { cause: error });
  if (error instanceof OpenAI.APIConnectionTimeoutError) return failure(undefined, true, `${where}: the model call timed out`);
  if (error instanceof OpenAI.APIConnectionError) return failure(undefined, true, `${where}: cannot reach the model endpoint`);
  if (error instanceof OpenAI.APIUserAbortError) return failure(undefined, true, `${where}: the call was cancelled`);
  if (error instanceof OpenAI.APIError) {
    const apiError = error as InstanceType<typeof OpenAI.APIError<number | undefined, Headers | undefined>>;
    const status: number | undefined = apiError.status;
    const retryable = status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
    // The error body may echo request details; keep only the status and the API's short message.
    const message = maskSecrets(`${where}: HTTP ${status ?? '?'}: ${apiError.message}`.slice(0, 500));
    return failure(status, retryable, message, retryAfterFrom(apiError.headers));
  }
  return failure(undefined, true, `${where}: ${error instanceof Error ? error.message : String(error)}`);
}

/** `error.type` of a failed call: the HTTP status, else the error's class (APIConnectionTimeoutError, ModelRefusedError, …). */
export function modelCallErrorType(error: unknown): string {
  if (error instanceof OpenAI.APIError && typeof error.status === 'number') return String(error.status);
  return error instanceof Error ? error.constructor.name : 'unknown';
}

function retryAfterFrom(headers: Headers | undefined): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && !Number.isNaN(Number(ms))) return Number(ms);
  const seconds = headers?.get('retry-after');
  if (seconds && !Number.isNaN(Number(seconds))) return Number(seconds) * 1000;
  return undefined;
}
