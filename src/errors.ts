import type { DeadLetterReason } from './contracts/deadLetterRecord';

/**
 * Every error research-relay raises on purpose. Each says whether trying again can help:
 * the ingest loop dead-letters only non-retryable errors that are the message's own fault,
 * and activities turn non-retryable errors into non-retryable Temporal failures.
 *
 * @example
 * if (error instanceof RelayError && !error.retryable) giveUp(error);
 */
export abstract class RelayError extends Error {
  abstract readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A bad environment variable; the message names it.
 *
 * @example
 * try { loadRelayConfig(process.env); } catch (error) { if (error instanceof ConfigurationError) console.error(error.problems); }
 */
export class ConfigurationError extends RelayError {
  readonly retryable = false;

  constructor(
    message: string,
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Why an incoming request cannot become a workflow; these reasons go to the DLQ. */
export type InvalidRequestReason = DeadLetterReason;

/**
 * The message itself is unusable: it is dead-lettered with this reason, never retried.
 *
 * @example
 * if (error instanceof InvalidRequestError) console.log(error.reason, error.location.offset); // 'not-json', '42'
 */
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

/**
 * Temporal could not be reached or refused for now (throttling, shutdown): back off and retry.
 *
 * @example
 * if (error instanceof TemporalUnavailableError) await sleep(1000); // and try again
 */
export class TemporalUnavailableError extends RelayError {
  readonly retryable = true;
}

/**
 * A cancel found no run for its request yet: the request may still be on its way (requests and
 * cancels travel on different topics), so the cancel waits for it, for CANCEL_WAIT_FOR_RUN_MS.
 *
 * @example
 * if (error instanceof RunNotStartedYetError) await sleep(500); // and look again
 */
export class RunNotStartedYetError extends RelayError {
  readonly retryable = true;
}

/**
 * Temporal refused a start for good (INVALID_ARGUMENT: e.g. a payload over its size limit):
 * the same start can never succeed, so the request is dead-lettered as `start-rejected`.
 *
 * @example
 * if (error instanceof StartRejectedError) console.log(`${error.workflowId} can never start: ${error.message}`);
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

/**
 * The model's answer did not match its schema even after the allowed attempts.
 *
 * @example
 * if (error instanceof ModelOutputInvalidError) console.log(error.agent, error.model, error.message);
 */
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

/**
 * The LLM endpoint failed in a way a later attempt may not (429, 5xx, timeouts are retryable).
 *
 * @example
 * if (error instanceof ModelRequestError && error.retryable) await sleep(error.retryAfterMs ?? 1000);
 */
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

/**
 * The model stopped before its answer was complete (`status: "incomplete"`, e.g.
 * `max_output_tokens`): asked again with the same output allowance it would stop again.
 *
 * @example
 * if (error instanceof ModelOutputTruncatedError) console.log(`${error.agent} needs more than ${error.maxOutputTokens} output tokens`);
 */
export class ModelOutputTruncatedError extends RelayError {
  readonly retryable = false;

  constructor(
    readonly agent: string,
    readonly model: string,
    /** The output allowance the call sent (`max_output_tokens`); undefined: the model's own limit. */
    readonly maxOutputTokens: number | undefined,
    /** `incomplete_details.reason` as the API gave it ('max_output_tokens', …; 'unknown' when absent). */
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The model declined to answer: a `refusal` content part, or an answer its provider's content
 * filter stopped. The same request would be refused again. Never carries the refusal's text.
 *
 * @example
 * if (error instanceof ModelRefusedError) console.log(error.agent, error.model, error.reason); // 'writer', 'gpt-4.1', 'refusal'
 */
export class ModelRefusedError extends RelayError {
  readonly retryable = false;

  constructor(
    readonly agent: string,
    readonly model: string,
    /** 'refusal' (the model's own refusal) or 'content_filter' (the provider stopped the answer). */
    readonly reason: 'refusal' | 'content_filter',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A result event that can never be published — it fails its own schema, or Kafka refuses it
 * for good (e.g. MESSAGE_TOO_LARGE) — so the run publishes research.failed instead.
 *
 * @example
 * if (error instanceof EventInvalidError) console.log('the result could not be published:', error.message);
 */
export class EventInvalidError extends RelayError {
  readonly retryable = false;
}

/**
 * Kafka refused or timed out a publish; a later attempt may succeed.
 *
 * @example
 * if (error instanceof PublishError) console.log('Kafka refused the result for now; it will be retried');
 */
export class PublishError extends RelayError {
  readonly retryable = true;
}

/**
 * A payload Temporal stored encrypted cannot be decrypted here: it names a key this process
 * does not have (add the key id to PAYLOAD_ENCRYPTION_KEYS again), or its authentication tag
 * does not match (a different key under the same id, or altered bytes). Names the key id,
 * never key material; the same payload can never decrypt with the same keys.
 *
 * @example
 * if (error instanceof PayloadDecryptionError) console.error(`add key ${error.keyId} back to PAYLOAD_ENCRYPTION_KEYS`);
 */
export class PayloadDecryptionError extends RelayError {
  readonly retryable = false;
  /**
   * The message without what it tells of this process's configuration (which key ids it has):
   * what a caller elsewhere — the codec server's client — is told.
   */
  readonly callerMessage: string;

  constructor(
    readonly keyId: string | undefined,
    message: string,
    options?: { cause?: unknown; callerMessage?: string },
  ) {
    super(message, options);
    this.callerMessage = options?.callerMessage ?? message;
  }
}

/**
 * Phoenix (the trace backend `research-relay trace` reads) could not be reached, or did not
 * answer in time. The message names the URL and PHOENIX_URL; a later attempt may succeed.
 *
 * @example
 * if (error instanceof PhoenixUnavailableError) console.error(`is Phoenix running at ${error.url}?`);
 */
export class PhoenixUnavailableError extends RelayError {
  readonly retryable = true;

  constructor(
    readonly url: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Phoenix answered, but not with what was asked for: it refused the request (401/403: check
 * PHOENIX_API_KEY), failed (5xx: retryable), or sent a body that is not its API's.
 *
 * @example
 * if (error instanceof PhoenixResponseError && error.status === 401) console.error('set PHOENIX_API_KEY');
 */
export class PhoenixResponseError extends RelayError {
  constructor(
    readonly url: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A search back end (Tavily, SearXNG) refused the request for good: 401/403 (a wrong or
 * missing key, an instance that does not serve JSON), a quota that a retry cannot restore
 * (Tavily's 432/433), or a request it calls malformed (400). Retrying the same request
 * cannot help; the message says which variable to check and never carries the key.
 *
 * @example
 * if (error instanceof SearchBackendRejectedError) console.error(`${error.backend} refused (${error.status}): ${error.message}`);
 */
export class SearchBackendRejectedError extends RelayError {
  readonly retryable = false;

  constructor(
    readonly backend: string,
    readonly status: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A search back end could not answer for now — 429, 5xx, a timeout, no connection — and kept
 * failing through the provider's own retries. A later attempt (Temporal's) may succeed, after
 * `retryAfterMs` when the back end named a wait (Retry-After).
 *
 * @example
 * if (error instanceof SearchBackendUnavailableError) console.log(`${error.backend} unavailable after ${error.attempts} attempts; retry in ${error.retryAfterMs ?? '?'} ms`);
 */
export class SearchBackendUnavailableError extends RelayError {
  readonly retryable = true;
  /** The wait the back end's last answer asked for (Retry-After), if it named one. */
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly backend: string,
    readonly status: number | undefined,
    /** How many requests the provider made before giving up. */
    readonly attempts: number,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number | undefined },
  ) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/**
 * True for errors a later attempt can fix; unknown errors count as retryable (infrastructure).
 *
 * @example
 * catch (error) { if (isRetryable(error)) scheduleRetry(); else deadLetter(error); }
 */
export function isRetryable(error: unknown): boolean {
  return error instanceof RelayError ? error.retryable : true;
}
