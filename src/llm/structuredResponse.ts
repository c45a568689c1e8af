import OpenAI from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import type { ResponseIncludable, ResponseInput, Tool } from 'openai/resources/responses/responses';
import { z } from 'zod';
import { ModelOutputInvalidError, ModelOutputTruncatedError, ModelRefusedError, ModelRequestError } from '../errors';
import { maskSecrets } from '../logging/logger';
import { withGenAiSpan } from '../telemetry/genAiSpan';
import { recordModelAnswer, recordModelCallDuration } from '../telemetry/relayMetrics';
import { observingAbandonedAttempts } from './abandonedCalls';
import { type AnswerFinish, answerFinish } from './answerFinish';
import type { PriceTable } from './priceTable';
import { estimateInputTokens, UsageMeter } from './usageMeter';

/** One model call's accounting, as the agents report it. */
export interface ModelCallUsage {
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface StructuredRequest<S extends z.ZodType> {
  readonly client: OpenAI;
  /** Which agent calls (planner, searcher, writer): named in errors and telemetry. */
  readonly agent: string;
  readonly model: string;
  readonly instructions: string;
  readonly input: string | ResponseInput;
  readonly schema: S;
  readonly schemaName: string;
  /** Hosted tools; a `web_search` tool also makes the call include the sources it consulted. */
  readonly tools?: Tool[];
  /** How many answers that fail the schema we accept before giving up for good. */
  readonly schemaAttempts: number;
  readonly signal?: AbortSignal;
  /** Prices the call on its span; without it the span's cost is 0. */
  readonly prices?: PriceTable;
  /** Receives every call's tokens, used or not (a fresh meter when absent). */
  readonly meter?: UsageMeter;
  /** The most output tokens the model may write (`max_output_tokens`); absent: the model's own limit. */
  readonly maxOutputTokens?: number;
  /** Retries the SDK makes of one call (a timeout, a 429, a 5xx); absent: the client's own setting. */
  readonly maxRetries?: number;
  /** Called before each model call; throws to make none (a budget that would be exceeded). */
  readonly beforeCall?: () => void;
}

export interface StructuredResult<T> {
  readonly value: T;
  /** The accepted answer's usage (calls whose answers were not used are in the request's meter). */
  readonly usage: ModelCallUsage;
  readonly responseId: string;
  readonly output: OpenAI.Responses.ResponseOutputItem[];
}

/**
 * Calls the Responses API with a zod structured-output format and returns the validated
 * value. HTTP 429/5xx and timeouts are retried by the SDK (honouring Retry-After) and then
 * surface as a retryable ModelRequestError, so Temporal retries the activity with backoff.
 * An answer that fails its schema is asked for again up to `schemaAttempts` times, then
 * fails for good (ModelOutputInvalidError): another activity attempt would not fix it.
 * An answer cut short (`status: "incomplete"`) or refused (a `refusal` part, the content filter)
 * fails at once, before validation, as ModelOutputTruncatedError or ModelRefusedError: the same
 * request with the same output allowance would end the same way.
 * Every call's tokens go to `request.meter`: the accepted answer's, and those of answers that
 * failed the schema or attempts the client abandoned (billed all the same).
 */
export async function callStructured<S extends z.ZodType>(request: StructuredRequest<S>): Promise<StructuredResult<z.infer<S>>> {
  const meter = request.meter ?? new UsageMeter();
  let lastProblem = '';
  for (let attempt = 1; attempt <= request.schemaAttempts; attempt += 1) {
    request.beforeCall?.();
    const { response, usage } = await modelCall(request, meter);
    const finish = answerFinish(response);
    if (finish.kind !== 'complete') {
      meter.rejected(usage);
      throw finishError(request, finish, usage);
    }
    const checked = validate(request.schema, response.output_text);
    if (checked.ok) {
      meter.accepted(usage);
      return { value: checked.value, usage, responseId: response.id, output: response.output };
    }
    meter.rejected(usage);
    lastProblem = checked.problem;
  }
  throw new ModelOutputInvalidError(
    request.agent,
    request.model,
    `${request.agent}: the answer of ${request.model} failed the ${request.schemaName} schema ${request.schemaAttempts} times; last problem: ${lastProblem}`,
  );
}

/** One call inside its LLM span; attempts the SDK abandoned on the way are estimated and metered. */
async function modelCall(request: StructuredRequest<z.ZodType>, meter: UsageMeter): Promise<{ response: OpenAI.Responses.Response; usage: ModelCallUsage }> {
  const format = zodTextFormat(request.schema, request.schemaName);
  const input = typeof request.input === 'string' ? request.input : JSON.stringify(request.input);
  const promptEstimate = estimateInputTokens([request.instructions, input, format.name, JSON.stringify(format.schema)]);
  return withGenAiSpan(
    { agent: request.agent, requestModel: request.model, serverUrl: request.client.baseURL, instructions: request.instructions, input },
    async (span) => {
      const abandon = (): void => {
        meter.abandoned(promptEstimate);
        span.abandoned(promptEstimate);
      };
      const started = performance.now();
      const seconds = (): number => (performance.now() - started) / 1000;
      let answer: OpenAI.Responses.Response;
      try {
        answer = await observingAbandonedAttempts(abandon, () =>
          request.client.responses.create(
            {
              model: request.model,
              instructions: request.instructions,
              input: request.input,
              text: { format },
              ...(request.tools ? { tools: request.tools } : {}),
              ...includeFor(request.tools),
              ...(request.maxOutputTokens !== undefined ? { max_output_tokens: request.maxOutputTokens } : {}),
            },
            { ...(request.signal ? { signal: request.signal } : {}), ...(request.maxRetries !== undefined ? { maxRetries: request.maxRetries } : {}) },
          ),
        );
      } catch (error) {
        recordModelCallDuration({ agent: request.agent, requestModel: request.model }, seconds(), errorType(error));
        throw toModelRequestError(request, error);
      }
      const usage = { model: answer.model || request.model, inputTokens: answer.usage?.input_tokens ?? 0, outputTokens: answer.usage?.output_tokens ?? 0 };
      const cost = request.prices?.callCost(usage.model, usage.inputTokens, usage.outputTokens);
      span.answered({
        responseModel: usage.model,
        responseId: answer.id,
        finishReason: answer.status === 'completed' ? 'stop' : (answer.incomplete_details?.reason ?? answer.status ?? 'unknown'),
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        ...(cost ? { cost } : {}),
        // A refusal's text only reaches the span's content attributes, which the content policy gates.
        outputText: answer.output_text || refusalText(answer),
      });
      // Every answer once, here, whether or not it then passes its schema: each one is billed.
      const call = { agent: request.agent, requestModel: request.model, responseModel: usage.model };
      recordModelCallDuration(call, seconds());
      recordModelAnswer(call, { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, costUsd: cost ? cost.input + cost.output : 0 });
      return { response: answer, usage };
    },
  );
}

/**
 * What the call must ask to get back beyond the answer: with a hosted web search tool, the
 * sources it consulted. The API lists them (`web_search_call.action.sources`) only when asked,
 * and puts no `url_citation` annotations inside a json_schema answer, so without this a
 * structured answer comes back with no sources at all.
 */
function includeFor(tools: readonly Tool[] | undefined): { include?: ResponseIncludable[] } {
  const searchesWeb = tools?.some((tool) => tool.type === 'web_search' || tool.type === 'web_search_2025_08_26') ?? false;
  return searchesWeb ? { include: ['web_search_call.action.sources'] } : {};
}

/** The error for an answer that did not complete; no text of the answer goes into its message. */
function finishError(request: StructuredRequest<z.ZodType>, finish: Exclude<AnswerFinish, { kind: 'complete' }>, usage: ModelCallUsage): Error {
  if (finish.kind === 'refused') {
    const what = finish.reason === 'refusal' ? `${usage.model} refused to answer` : `the answer of ${usage.model} was stopped by its content filter`;
    return new ModelRefusedError(request.agent, request.model, finish.reason, `${request.agent}: ${what}`);
  }
  const allowance = request.maxOutputTokens === undefined ? "the model's own output limit" : `an output allowance of ${request.maxOutputTokens} tokens`;
  return new ModelOutputTruncatedError(
    request.agent,
    request.model,
    request.maxOutputTokens,
    finish.reason,
    `${request.agent}: the answer of ${usage.model} was cut short (${finish.reason}) after ${usage.outputTokens} output tokens, with ${allowance}`,
  );
}

function refusalText(response: OpenAI.Responses.Response): string {
  const finish = answerFinish(response);
  return finish.kind === 'refused' ? finish.refusalText : '';
}

function validate<S extends z.ZodType>(schema: S, text: string): { ok: true; value: z.infer<S> } | { ok: false; problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // No quote of the answer: this message reaches Temporal's history (in clear) and research.failed.
    return { ok: false, problem: `not JSON (${text.length} characters)` };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problem: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
}

function toModelRequestError(request: StructuredRequest<z.ZodType>, error: unknown): ModelRequestError {
  const where = `${request.agent} (${request.model})`;
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new ModelRequestError(request.agent, request.model, undefined, true, `${where}: the model call timed out`, undefined, { cause: error });
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return new ModelRequestError(request.agent, request.model, undefined, true, `${where}: cannot reach the model endpoint`, undefined, { cause: error });
  }
  if (error instanceof OpenAI.APIUserAbortError) {
    return new ModelRequestError(request.agent, request.model, undefined, true, `${where}: the call was cancelled`, undefined, { cause: error });
  }
  if (error instanceof OpenAI.APIError) {
    const apiError = error as InstanceType<typeof OpenAI.APIError<number | undefined, Headers | undefined>>;
    const status: number | undefined = apiError.status;
    const retryable = status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
    const retryAfterMs = retryAfterFrom(apiError.headers);
    // The error body may echo request details; keep only the status and the API's short message.
    const message = maskSecrets(`${where}: HTTP ${status ?? '?'}: ${apiError.message}`.slice(0, 500));
    return new ModelRequestError(request.agent, request.model, status, retryable, message, retryAfterMs, { cause: error });
  }
  return new ModelRequestError(request.agent, request.model, undefined, true, `${where}: ${error instanceof Error ? error.message : String(error)}`, undefined, {
    cause: error,
  });
}

/** `error.type` of a failed call: the HTTP status, else the client's error class (APIConnectionTimeoutError, …). */
function errorType(error: unknown): string {
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
