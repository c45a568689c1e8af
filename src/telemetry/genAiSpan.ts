import { SpanKind, type Attributes, type Span } from '@opentelemetry/api';
import { recordSpanFailure } from './spanFailure';
import { relayTracer } from './tracer';

/** Whether prompt and completion text may be recorded on spans (off unless the user turns it on). */
export function captureMessageContent(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT ?? '').toLowerCase() === 'true';
}

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
  readonly costUsd: number;
  readonly outputText: string;
}

/**
 * One span per model call, named `chat {model}` (kind CLIENT), with the OpenTelemetry GenAI
 * attributes and, beside them, the OpenInference ones (span kind LLM, `llm.model_name`,
 * `llm.token_count.*`) that Phoenix and Langfuse read as a generation with its usage.
 * Message text is recorded only when OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true.
 */
export async function withGenAiSpan<T>(call: GenAiCallDescription, run: (record: (result: GenAiCallResult) => void) => Promise<T>): Promise<T> {
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
  };
  const withContent = captureMessageContent();
  if (withContent) {
    attributes['gen_ai.system_instructions'] = JSON.stringify([{ type: 'text', content: call.instructions }]);
    attributes['gen_ai.input.messages'] = JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: call.input }] }]);
    attributes['input.value'] = call.input;
    attributes['input.mime_type'] = 'text/plain';
  }
  return relayTracer().startActiveSpan(`chat ${call.requestModel}`, { kind: SpanKind.CLIENT, attributes }, async (span: Span) => {
    try {
      const value = await run((result) => {
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
          'research_relay.llm.cost_usd': result.costUsd,
        });
        if (withContent) {
          span.setAttribute('gen_ai.output.messages', JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: result.outputText }], finish_reason: result.finishReason }]));
          span.setAttribute('output.value', result.outputText);
          span.setAttribute('output.mime_type', 'application/json');
        }
      });
      return value;
    } catch (error) {
      recordSpanFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
