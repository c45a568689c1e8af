import type OpenAI from 'openai';

/**
 * How an answer ended, read before its text is validated: a cut or refused answer is not a
 * malformed one, and asking again the same way would end the same way.
 */
export type AnswerFinish =
  | { readonly kind: 'complete' }
  /** Cut short: Responses `incomplete` (usually `max_output_tokens`), Chat `finish_reason: "length"`. */
  | { readonly kind: 'truncated'; readonly reason: string }
  /** A refusal (`refusalText` is its text: content, never for errors or logs), or the provider's content filter. */
  | { readonly kind: 'refused'; readonly reason: 'refusal' | 'content_filter'; readonly refusalText: string }
  /**
   * No answer to read: no choice or no output at all, or a turn that ended calling tools the
   * request never offered (`tool_calls`, `function_call`). `reason` says which, for the error.
   */
  | { readonly kind: 'no-answer'; readonly reason: string };

/**
 * Classifies a Responses answer. A refusal part wins over the status (a refusal may also be cut
 * short); `incomplete` with `content_filter` is a refusal by the provider, any other incomplete a cut.
 *
 * @example
 * responsesAnswerFinish(response); // { kind: 'truncated', reason: 'max_output_tokens' }
 */
export function responsesAnswerFinish(response: OpenAI.Responses.Response): AnswerFinish {
  // A proxy's page or a broken server can answer 200 without the fields the type promises.
  if (!Array.isArray(response.output)) return { kind: 'no-answer', reason: 'no output' };
  const refusals = response.output.flatMap((item) =>
    item.type === 'message' ? item.content.flatMap((part) => (part.type === 'refusal' ? [part.refusal] : [])) : [],
  );
  if (refusals.length > 0) return { kind: 'refused', reason: 'refusal', refusalText: refusals.join('\n') };
  if (response.status !== 'incomplete') return { kind: 'complete' };
  const reason = response.incomplete_details?.reason ?? 'unknown';
  if (reason === 'content_filter') return { kind: 'refused', reason: 'content_filter', refusalText: '' };
  return { kind: 'truncated', reason };
}

/**
 * Classifies a Chat Completions choice the same way: `message.refusal` wins, `finish_reason`
 * `content_filter` is a refusal by the provider, `length` a cut; a missing choice, or a tool call
 * with no text (no tools are offered), is no answer. Any other reason (`stop`, or a server's own
 * word) reads as complete and its text is then validated.
 *
 * @example
 * chatAnswerFinish(completion.choices[0]); // { kind: 'truncated', reason: 'length' }
 */
export function chatAnswerFinish(choice: OpenAI.Chat.ChatCompletion.Choice | undefined): AnswerFinish {
  if (choice?.message === undefined || choice.message === null) return { kind: 'no-answer', reason: 'no choice' };
  const refusal = choice.message.refusal;
  if (typeof refusal === 'string' && refusal.length > 0) return { kind: 'refused', reason: 'refusal', refusalText: refusal };
  if (choice.finish_reason === 'content_filter') return { kind: 'refused', reason: 'content_filter', refusalText: '' };
  if (choice.finish_reason === 'length') return { kind: 'truncated', reason: 'length' };
  if ((choice.finish_reason === 'tool_calls' || choice.finish_reason === 'function_call') && !choice.message.content) {
    return { kind: 'no-answer', reason: `finish_reason ${choice.finish_reason}` };
  }
  return { kind: 'complete' };
}

/** The finish reason a span records, in Chat Completions' words for both APIs. */
export function spanFinishReason(finish: AnswerFinish, stated: string): string {
  if (finish.kind === 'refused') return finish.reason;
  if (finish.kind === 'truncated') return 'length';
  return finish.kind === 'no-answer' ? finish.reason : stated;
}
