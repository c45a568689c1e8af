/*
 * Every error the stand-in raises on purpose. The stand-in is a test double, not part of the
 * relay's message path, so these do not extend the relay's RelayError hierarchy; like those, each
 * says whether trying again can help.
 */

/** A fault plan (option, env var or HTTP body) is not valid; `problems` lists each issue with its path. */
export class FaultPlanError extends Error {
  readonly retryable = false;

  constructor(
    message: string,
    readonly problems: readonly string[],
  ) {
    super(message);
    this.name = 'FaultPlanError';
  }
}

/**
 * A request the real API would reject with 400 (missing model, streaming asked for, bad JSON).
 * The server answers it with an OpenAI-shaped `invalid_request_error` naming `param`.
 */
export class InvalidCallError extends Error {
  readonly retryable = false;
  readonly status = 400;

  constructor(
    message: string,
    readonly param: string | null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'InvalidCallError';
  }
}
