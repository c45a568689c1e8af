import type { AnswerEnding } from './answerEnding';
import type { ModelAnswer } from './modelAnswer';
import { openAiId } from './openAiIds';
import type { UsageEstimate } from './usageEstimate';

/**
 * The body of a non-streaming `POST /v1/chat/completions`, as the openai SDK's `ChatCompletion`
 * type declares it (a cut answer ends with `length` or `content_filter`, a refusal fills
 * `message.refusal` and leaves `content` null). Web-search citations use Chat's nested annotation shape
 * (`{ type: 'url_citation', url_citation: { start_index, end_index, title, url } }`), which differs
 * from the flat Responses one.
 */
export function chatCompletionPayload(
  model: string,
  answer: ModelAnswer,
  ending: AnswerEnding,
  usage: UsageEstimate,
  now: Date,
): Record<string, unknown> {
  return {
    id: openAiId('chatcmpl-', 14),
    object: 'chat.completion',
    created: Math.floor(now.getTime() / 1000),
    model,
    choices: [
      {
        index: 0,
        message:
          ending.kind === 'refused'
            ? { role: 'assistant', content: null, refusal: answer.text, annotations: [] }
            : {
                role: 'assistant',
                content: answer.text,
                refusal: null,
                annotations: answer.annotations.map(({ type, ...citation }) => ({ type, url_citation: citation })),
              },
        logprobs: null,
        // 'length' and 'content_filter' only for a cut answer: the SDK's parse() throws on them
        // (LengthFinishReasonError, ContentFilterFinishReasonError), as it would against the real API.
        finish_reason: ending.kind !== 'incomplete' ? 'stop' : ending.reason === 'content_filter' ? 'content_filter' : 'length',
      },
    ],
    usage: {
      prompt_tokens: usage.inputTokens,
      completion_tokens: usage.outputTokens,
      total_tokens: usage.inputTokens + usage.outputTokens,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
    service_tier: 'default',
    system_fingerprint: 'fp_stand_in',
  };
}
