import type OpenAI from 'openai';
import type { Tool } from 'openai/resources/responses/responses';
import type { z } from 'zod';
import type { ModelApi } from '../config/relayConfig';
import type { PriceTable } from './priceTable';
import type { UsageMeter } from './usageMeter';

/** One structured model call, as an agent asks for it; the same for both model APIs. */
export interface StructuredRequest<S extends z.ZodType> {
  readonly client: OpenAI;
  /** The API to speak (MODEL_API); absent: the Responses API. */
  readonly api?: ModelApi;
  /** Chat Completions only: the field of the output allowance (MODEL_TOKEN_LIMIT_FIELD); absent: `max_completion_tokens`. */
  readonly tokenLimitField?: 'max_completion_tokens' | 'max_tokens';
  /** Which agent calls (planner, searcher, writer): named in errors and telemetry. */
  readonly agent: string;
  readonly model: string;
  readonly instructions: string;
  readonly input: string;
  readonly schema: S;
  readonly schemaName: string;
  /** Hosted tools (Responses API only); a `web_search` tool also makes the call include the sources it consulted. */
  readonly tools?: Tool[];
  /** How many answers that fail the schema we accept before giving up for good. */
  readonly schemaAttempts: number;
  readonly signal?: AbortSignal;
  /** Prices the call on its span; without it the span's cost is 0. */
  readonly prices?: PriceTable;
  /** Receives every call's tokens, used or not (a fresh meter when absent). */
  readonly meter?: UsageMeter;
  /** The most output tokens the model may write; absent: the model's own limit. */
  readonly maxOutputTokens?: number;
  /** Retries the SDK makes of one call (a timeout, a 429, a 5xx); absent: the client's own setting. */
  readonly maxRetries?: number;
  /** Called before each model call; throws to make none (a budget that would be exceeded). */
  readonly beforeCall?: () => void;
}

/** The SDK's per-call options of a request: its cancellation and retry count. */
export function sdkCallOptions(request: StructuredRequest<z.ZodType>): OpenAI.RequestOptions {
  return { ...(request.signal ? { signal: request.signal } : {}), ...(request.maxRetries !== undefined ? { maxRetries: request.maxRetries } : {}) };
}
