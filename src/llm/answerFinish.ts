import type OpenAI from 'openai';

/**
 * How a Responses answer ended, read before its text is validated: a cut or refused answer is
 * not a malformed one, and asking again the same way would end the same way.
 */
export type AnswerFinish =
  | { readonly kind: 'complete' }
  /** `status: "incomplete"` for a reason other than the content filter (usually `max_output_tokens`). */
  | { readonly kind: 'truncated'; readonly reason: string }
  /** A `refusal` content part (`refusalText` is its text: content, never for errors or logs), or the content filter. */
  | { readonly kind: 'refused'; readonly reason: 'refusal' | 'content_filter'; readonly refusalText: string };

/**
 * Classifies an answer. A refusal part wins over the status (a refusal may also be cut short);
 * `incomplete` with `content_filter` is a refusal by the provider, any other incomplete a cut.
 *
 * @example
 * answerFinish(response); // { kind: 'truncated', reason: 'max_output_tokens' }
 */
export function answerFinish(response: OpenAI.Responses.Response): AnswerFinish {
  const refusals = response.output.flatMap((item) =>
    item.type === 'message' ? item.content.flatMap((part) => (part.type === 'refusal' ? [part.refusal] : [])) : [],
  );
  if (refusals.length > 0) return { kind: 'refused', reason: 'refusal', refusalText: refusals.join('\n') };
  if (response.status !== 'incomplete') return { kind: 'complete' };
  const reason = response.incomplete_details?.reason ?? 'unknown';
  if (reason === 'content_filter') return { kind: 'refused', reason: 'content_filter', refusalText: '' };
  return { kind: 'truncated', reason };
}
