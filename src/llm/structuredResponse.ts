import OpenAI from 'openai';
import { z } from 'zod';
import { ModelOutputInvalidError, ModelOutputTruncatedError, ModelRefusedError, RelayError } from '../errors';
import { withGenAiSpan } from '../telemetry/genAiSpan';
import { recordModelAnswer, recordModelCallDuration } from '../telemetry/relayMetrics';
import { observingAbandonedAttempts } from './abandonedCalls';
import type { AnswerFinish } from './answerFinish';
import { callChatCompletions, chatFormat } from './chatCompletionsCall';
import type { ModelAnswer } from './modelAnswer';
import { modelCallErrorType, toModelRequestError } from './modelRequestError';
import { callResponsesApi, responsesFormat } from './responsesApiCall';
import type { StructuredRequest } from './structuredRequest';
import { estimateInputTokens, UsageMeter } from './usageMeter';

export type { StructuredRequest } from './structuredRequest';

/** One model call's accounting, as the agents report it. */
export interface ModelCallUsage {
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface StructuredResult<T> {
  readonly value: T;
  /** The accepted answer's usage (calls whose answers were not used are in the request's meter). */
  readonly usage: ModelCallUsage;
  readonly responseId: string;
  /** The Responses API's output items (web search calls and their sources); empty from Chat Completions. */
  readonly output: OpenAI.Responses.ResponseOutputItem[];
}

/**
 * Calls the model API the request names (the Responses API, or Chat Completions) with a zod
 * structured-output format and returns the validated value. Both APIs are handled alike:
 * HTTP 429/5xx and timeouts are retried by the SDK (honouring Retry-After) and then surface as a
 * retryable ModelRequestError, so Temporal retries the activity with backoff.
 * An answer that fails its schema is asked for again up to `schemaAttempts` times, then
 * fails for good (ModelOutputInvalidError): another activity attempt would not fix it.
 * An answer cut short (Responses `incomplete`, Chat `length`) or refused (a refusal, the content
 * filter) fails at once, before validation, as ModelOutputTruncatedError or ModelRefusedError:
 * the same request with the same output allowance would end the same way. An answer with nothing
 * to read (no choice, no output, a tool call nobody offered) fails at once as ModelOutputInvalidError.
 * A server that reports no usage is metered by estimate.
 * Every call's tokens go to `request.meter`: the accepted answer's, and those of answers that
 * failed the schema, were cut or refused, or whose attempts the client abandoned (billed all the same).
 */
export async function callStructured<S extends z.ZodType>(request: StructuredRequest<S>): Promise<StructuredResult<z.infer<S>>> {
  const meter = request.meter ?? new UsageMeter();
  let lastProblem = '';
  for (let attempt = 1; attempt <= request.schemaAttempts; attempt += 1) {
    request.beforeCall?.();
    const { answer, usage } = await modelCall(request, meter);
    if (answer.finish.kind !== 'complete') {
      meter.rejected(usage);
      throw finishError(request, answer.finish, usage);
    }
    const checked = validate(request.schema, answer.text);
    if (checked.ok) {
      meter.accepted(usage);
      return { value: checked.value, usage, responseId: answer.id, output: answer.output };
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
async function modelCall(request: StructuredRequest<z.ZodType>, meter: UsageMeter): Promise<{ answer: ModelAnswer; usage: ModelCallUsage }> {
  const chat = request.api === 'chat-completions';
  const format = chat ? chatFormat(request) : responsesFormat(request);
  const promptEstimate = estimateInputTokens([request.instructions, request.input, format.name, JSON.stringify(format.schema)]);
  return withGenAiSpan(
    { agent: request.agent, requestModel: request.model, serverUrl: request.client.baseURL, instructions: request.instructions, input: request.input },
    async (span) => {
      const abandon = (): void => {
        meter.abandoned(promptEstimate);
        span.abandoned(promptEstimate);
      };
      const started = performance.now();
      const seconds = (): number => (performance.now() - started) / 1000;
      let answer: ModelAnswer;
      try {
        answer = await observingAbandonedAttempts(abandon, () => (chat ? callChatCompletions(request) : callResponsesApi(request)));
      } catch (error) {
        if (error instanceof TypeError) abandon(); // answered, then unreadable: billed, usage unknown
        const failure = error instanceof RelayError ? error : (unreadableAnswer(request, error) ?? promptFilterRefusal(request, error) ?? toModelRequestError(request, error));
        recordModelCallDuration({ agent: request.agent, requestModel: request.model }, seconds(), failure instanceof ModelRefusedError ? ModelRefusedError.name : modelCallErrorType(error));
        throw failure;
      }
      const usage = { model: answer.model, ...reportedOrEstimated(answer, promptEstimate) };
      const cost = request.prices?.callCost(usage.model, usage.inputTokens, usage.outputTokens);
      span.answered({
        responseModel: usage.model,
        responseId: answer.id,
        finishReason: answer.finishReason,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        ...(cost ? { cost } : {}),
        // A refusal's text only reaches the span's content attributes, which the content policy gates.
        outputText: answer.finish.kind === 'refused' ? answer.finish.refusalText : answer.text,
      });
      // Every answer once, here, whether or not it then passes its schema: each one is billed.
      // A cut or refused answer's duration carries the error it fails with.
      const call = { agent: request.agent, requestModel: request.model, responseModel: usage.model };
      recordModelCallDuration(call, seconds(), finishErrorType(answer.finish));
      recordModelAnswer(call, { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, costUsd: cost ? cost.input + cost.output : 0 });
      return { answer, usage };
    },
  );
}

/** `error.type` of an answer that did not complete; undefined for a complete one. */
function finishErrorType(finish: AnswerFinish): string | undefined {
  if (finish.kind === 'refused') return ModelRefusedError.name;
  if (finish.kind === 'no-answer') return ModelOutputInvalidError.name;
  return finish.kind === 'truncated' ? ModelOutputTruncatedError.name : undefined;
}

/**
 * The tokens of an answer: as the server reported them, or, from a server that reports none,
 * estimated (the prompt as sent, the answer's text at four characters a token) so that budgets
 * and costs still see the call.
 */
function reportedOrEstimated(answer: ModelAnswer, promptEstimate: number): { inputTokens: number; outputTokens: number } {
  const count = (value: unknown): number | undefined => (typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined);
  return {
    inputTokens: count(answer.usage?.inputTokens) ?? promptEstimate,
    outputTokens: count(answer.usage?.outputTokens) ?? estimateInputTokens([answer.text]),
  };
}

/**
 * An answer the SDK could not read (it throws a TypeError on a 200 body without the fields the
 * API promises, e.g. a Responses body with no `output`): failing for good, like no answer, since
 * the server would send the same again. Connection failures reach us as the SDK's own errors.
 */
function unreadableAnswer(request: StructuredRequest<z.ZodType>, error: unknown): ModelOutputInvalidError | undefined {
  if (!(error instanceof TypeError)) return undefined;
  return new ModelOutputInvalidError(request.agent, request.model, `${request.agent}: the answer of ${request.model} could not be read (${error.message.slice(0, 200)})`, { cause: error });
}

/**
 * A prompt the provider's content filter refused before any answer (Azure OpenAI: HTTP 400 with
 * code `content_filter`) is a refusal like a filtered answer, not a bad request of ours.
 */
function promptFilterRefusal(request: StructuredRequest<z.ZodType>, error: unknown): ModelRefusedError | undefined {
  if (!(error instanceof OpenAI.APIError) || error.status !== 400 || error.code !== 'content_filter') return undefined;
  return new ModelRefusedError(request.agent, request.model, 'content_filter', `${request.agent}: the prompt to ${request.model} was stopped by its content filter`, { cause: error });
}

/** The error for an answer that did not complete; no text of the answer goes into its message. */
function finishError(request: StructuredRequest<z.ZodType>, finish: Exclude<AnswerFinish, { kind: 'complete' }>, usage: ModelCallUsage): Error {
  if (finish.kind === 'no-answer') {
    // Not asked again: a server that answers without a message would do so again.
    return new ModelOutputInvalidError(request.agent, request.model, `${request.agent}: ${usage.model} sent no answer to read (${finish.reason})`);
  }
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
