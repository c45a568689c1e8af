import type { AnswerEnding } from './answerEnding';
import type { ModelAnswer } from './modelAnswer';
import type { ModelCall } from './modelCall';
import { openAiId } from './openAiIds';
import type { UsageEstimate } from './usageEstimate';

/**
 * The body of a non-streaming `POST /v1/responses`, field for field what the openai SDK's
 * `Response` type declares: `completed`, `incomplete` (cut text, `incomplete_details.reason`,
 * no `completed_at`) or completed with a `refusal` content part in place of the text. The request's own settings (instructions, text format, tools,
 * temperature, metadata) are echoed back as the real API does. A `web_search_call` lists its
 * `action.sources` only when the request's `include` asks for `web_search_call.action.sources`,
 * as the published API does.
 *
 * Not included on purpose: `output_text`. It is not part of the wire format; the SDK computes it
 * from the output messages, and `responses.parse()` derives `output_parsed` from the same text.
 */
export function responsesPayload(
  request: Record<string, unknown>,
  call: Pick<ModelCall, 'model' | 'include'>,
  answer: ModelAnswer,
  ending: AnswerEnding,
  usage: UsageEstimate,
  now: Date,
): Record<string, unknown> {
  const { model } = call;
  const createdAt = Math.floor(now.getTime() / 1000);
  const output: Record<string, unknown>[] = [];
  if (answer.webSearch) {
    output.push({
      type: 'web_search_call',
      id: openAiId('ws_'),
      status: 'completed',
      action: {
        type: 'search',
        query: answer.webSearch.query,
        ...(call.include.includes('web_search_call.action.sources')
          ? { sources: answer.webSearch.sources.map((source) => ({ type: 'url', url: source.url })) }
          : {}),
      },
    });
  }
  const status = ending.kind === 'incomplete' ? 'incomplete' : 'completed';
  output.push({
    type: 'message',
    id: openAiId('msg_'),
    role: 'assistant',
    status,
    content:
      ending.kind === 'refused'
        ? [{ type: 'refusal', refusal: answer.text }]
        : [{ type: 'output_text', text: answer.text, annotations: answer.annotations, logprobs: [] }],
  });
  return {
    id: openAiId('resp_', 24),
    object: 'response',
    created_at: createdAt,
    status,
    background: false,
    completed_at: status === 'completed' ? createdAt : null,
    error: null,
    incomplete_details: ending.kind === 'incomplete' ? { reason: ending.reason } : null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    max_tool_calls: request.max_tool_calls ?? null,
    model,
    output,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: request.previous_response_id ?? null,
    prompt_cache_key: request.prompt_cache_key ?? null,
    reasoning: request.reasoning ?? { effort: null, summary: null },
    safety_identifier: request.safety_identifier ?? null,
    service_tier: 'default',
    store: request.store ?? true,
    temperature: request.temperature ?? 1,
    text: request.text ?? { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: request.tool_choice ?? 'auto',
    tools: request.tools ?? [],
    top_logprobs: request.top_logprobs ?? 0,
    top_p: request.top_p ?? 1,
    truncation: request.truncation ?? 'disabled',
    usage: {
      input_tokens: usage.inputTokens,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: usage.outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: usage.inputTokens + usage.outputTokens,
    },
    user: request.user ?? null,
    metadata: request.metadata ?? {},
  };
}
