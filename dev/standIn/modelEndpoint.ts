import type { IncomingMessage, ServerResponse } from 'node:http';
import { endAnswer } from './answerEnding';
import { apiErrorBody } from './apiErrorBody';
import type { CallLog } from './callLog';
import { chatCompletionPayload } from './chatCompletionPayload';
import type { Fault } from './faultPlan';
import type { FaultSelector } from './faultSelector';
import { readJsonBody } from './jsonBody';
import { sendJson } from './jsonReply';
import { composeAnswer } from './modelAnswer';
import type { ModelCall } from './modelCall';
import { responsesPayload } from './responsesPayload';
import { InvalidCallError } from './standInErrors';

/** What answering a model call needs from the server around it. */
export interface ModelEndpointContext {
  readonly selector: FaultSelector;
  readonly callLog: CallLog;
  /** Models served so far, for `GET /v1/models`. */
  readonly seenModels: Set<string>;
  readonly latencyMs: number;
  readonly modelPrefix?: string;
}

/** Answers one model call on `response`; resolves to the status answered (499: client left first). */
export type ModelEndpoint = (
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  read: (body: unknown) => ModelCall,
  signal: AbortSignal,
) => Promise<number>;

/**
 * The path of one model call, the same for both APIs: read the body, pick the fault, compose
 * the answer and how it ends (cut at `max_output_tokens`, refused), record the call, wait (latency, delay fault), answer in the API's shape.
 *
 * The call is recorded as soon as its outcome is decided, before any wait, so a test whose client
 * timed out can already see which fault fired. `signal` aborts the wait when the client leaves or
 * the server stops; the record then says 499.
 */
export function createModelEndpoint(context: ModelEndpointContext): ModelEndpoint {
  const { selector, callLog, seenModels, latencyMs, modelPrefix } = context;
  return async (request, response, path, read, signal) => {
    const at = new Date();
    const requestId = String(response.getHeader('x-request-id'));
    let body: unknown;
    let call: ModelCall;
    try {
      body = await readJsonBody(request);
      call = read(body);
    } catch (error) {
      if (!(error instanceof InvalidCallError)) throw error;
      const model = isRecord(body) && typeof body.model === 'string' ? body.model : '';
      callLog.add({ requestId, path, model, inputExcerpt: '', status: 400, at: at.toISOString() });
      const errorBody = apiErrorBody(400, error.message, { param: error.param, code: error.code });
      if (await pause(latencyMs, signal)) sendJson(response, 400, errorBody);
      return 400;
    }
    const formatName = call.format.kind === 'json_schema' ? call.format.name : undefined;
    const recorded = {
      requestId,
      path,
      model: call.model,
      ...(formatName === undefined ? {} : { formatName }),
      ...(call.maxOutputTokens === undefined ? {} : { maxOutputTokens: call.maxOutputTokens }),
      ...(call.include.length === 0 ? {} : { include: [...call.include] }),
      inputExcerpt: (call.input || call.instructions).slice(0, 200),
      at: at.toISOString(),
    };

    if (modelPrefix !== undefined && !call.model.startsWith(modelPrefix)) {
      callLog.add({ ...recorded, status: 404 });
      const message = `The model \`${call.model}\` does not exist or you do not have access to it.`;
      if (await pause(latencyMs, signal)) sendJson(response, 404, apiErrorBody(404, message, { param: 'model' }));
      return 404;
    }
    seenModels.add(call.model);

    const fault: Fault | undefined = selector.select({
      path,
      model: call.model,
      formatName,
      text: `${call.instructions}\n${call.input}`,
    });
    if (fault?.kind === 'status') {
      callLog.add({ ...recorded, fault: fault.kind, status: fault.status });
      const headers: Record<string, string> = {};
      if (fault.retryAfterSeconds !== undefined) {
        headers['retry-after'] = String(fault.retryAfterSeconds);
        // The SDK prefers the millisecond header, which keeps sub-second retry waits exact.
        headers['retry-after-ms'] = String(Math.round(fault.retryAfterSeconds * 1000));
      }
      const errorBody = apiErrorBody(fault.status, fault.message);
      if (await pause(latencyMs, signal)) sendJson(response, fault.status, errorBody, headers);
      return fault.status;
    }

    // The answer is composed before any wait so the recorded usage is known immediately.
    const outputFault = fault?.kind === 'malformed' || fault?.kind === 'schemaViolation' ? fault.kind : fault?.kind === 'oversized' ? { stretchTextsTo: fault.chars } : undefined;
    const { answer, ending, usage } = endAnswer(call, composeAnswer(call, outputFault), fault);
    const correctStatus = callLog.add({ ...recorded, ...(fault ? { fault: fault.kind } : {}), status: 200, usage });
    const delayMs = latencyMs + (fault?.kind === 'delay' ? fault.ms : 0);
    if (!(await pause(delayMs, signal))) {
      correctStatus(499);
      return 499;
    }
    const payload =
      call.api === 'responses'
        ? responsesPayload(isRecord(body) ? body : {}, call, answer, ending, usage, at)
        : chatCompletionPayload(call.model, answer, ending, usage, at);
    return sendJson(response, 200, payload);
  };
}

/** Waits `ms`; resolves false at once if the signal aborts (client gone, server stopping). */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
