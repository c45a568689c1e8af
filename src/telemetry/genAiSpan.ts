import { SpanKind, type Attributes, type Span } from '@opentelemetry/api';
import { contentAttributes } from './contentPolicy';
import { recordSpanFailure } from './spanFailure';
import { relayTracer } from './tracer';

export interface GenAiCallDescription {
  readonly agent: string;
  readonly requestModel: string;
  readonly serverUrl: string;
  readonly instructions: string;
  readonly input: string;
}

export interface GenAiCallResult {
  readonly responseModel: string;
  readonly responseId: string;
  readonly finishReason: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** USD of the input and output tokens; absent for a model without a price. */
  readonly cost?: { readonly input: number; readonly output: number };
  readonly outputText: string;
}

/** What a model call tells its span as it goes. */
export interface GenAiSpanRecorder {
  /** The answer came back (whether or not it is then accepted). */
  answered(result: GenAiCallResult): void;
  /** The client abandoned an HTTP attempt of this call (timeout, cancellation): its prompt, estimated. */
  abandoned(estimatedInputTokens: number): void;
}

/**
 * One span per model call, named `chat {model}` (kind CLIENT), with the OpenTelemetry GenAI
 * attributes and, beside them, the OpenInference ones (span kind LLM, `llm.model_name`,
 * `llm.token_count.*`, `llm.cost.*`) that Phoenix reads, and Langfuse's own (observation type
 * generation, `gen_ai.usage.cost`, `langfuse.observation.cost_details`), so both show a
 * generation with its usage and cost. Only these spans carry tokens and cost: a trace's totals
 * are their sum, never counted twice.
 * Message text is recorded only when the content policy allows it (contentPolicy.ts). Each
 * span carries its own call's tokens — a rejected answer's too — so the spans of a run add up to
 * its published usage; attempts the SDK abandoned add `research_relay.llm.estimated_input_tokens`.
 */
export async function withGenAiSpan<T>(call: GenAiCallDescription, run: (recorder: GenAiSpanRecorder) => Promise<T>): Promise<T> {
  const url = safeUrl(call.serverUrl);
  const attributes: Attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': call.requestModel,
    'gen_ai.output.type': 'json',
    'gen_ai.agent.name': call.agent,
    'server.address': url?.hostname ?? '',
    ...(url?.port ? { 'server.port': Number(url.port) } : {}),
    'openinference.span.kind': 'LLM',
    'llm.provider': 'openai',
    'llm.system': 'openai',
    'llm.model_name': call.requestModel,
    'langfuse.observation.type': 'generation',
    ...contentAttributes({
      'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: call.instructions }]),
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: call.input }] }]),
      'input.value': call.input,
      'input.mime_type': 'text/plain',
    }),
  };
  return relayTracer().startActiveSpan(`chat ${call.requestModel}`, { kind: SpanKind.CLIENT, attributes }, async (span: Span) => {
    try {
      return await run(spanRecorder(span));
    } catch (error) {
      recordSpanFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

function spanRecorder(span: Span): GenAiSpanRecorder {
  let abandonedAttempts = 0;
  let estimatedInputTokens = 0;
  return {
    answered: (result) => {
      span.setAttributes({
        'gen_ai.response.model': result.responseModel,
        'gen_ai.response.id': result.responseId,
        'gen_ai.response.finish_reasons': [result.finishReason],
        'gen_ai.usage.input_tokens': result.inputTokens,
        'gen_ai.usage.output_tokens': result.outputTokens,
        'llm.model_name': result.responseModel,
        'llm.token_count.prompt': result.inputTokens,
        'llm.token_count.completion': result.outputTokens,
        'llm.token_count.total': result.inputTokens + result.outputTokens,
        ...costAttributes(result.cost),
        ...contentAttributes({
          'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: result.outputText }], finish_reason: result.finishReason }]),
          'output.value': result.outputText,
          'output.mime_type': 'application/json',
        }),
      });
    },
    abandoned: (estimate) => {
      abandonedAttempts += 1;
      estimatedInputTokens += estimate;
      span.setAttributes({ 'research_relay.llm.abandoned_attempts': abandonedAttempts, 'research_relay.llm.estimated_input_tokens': estimatedInputTokens });
    },
  };
}

/** Cost as Phoenix (OpenInference `llm.cost.*`) and Langfuse read it; none for a model without a price. */
function costAttributes(cost: GenAiCallResult['cost']): Attributes {
  if (!cost) return {};
  const total = cost.input + cost.output;
  return {
    'llm.cost.prompt': cost.input,
    'llm.cost.completion': cost.output,
    'llm.cost.total': total,
    'gen_ai.usage.cost': total,
    'langfuse.observation.cost_details': JSON.stringify({ input: cost.input, output: cost.output, total }),
  };
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
