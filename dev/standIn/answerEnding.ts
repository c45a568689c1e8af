import type { Fault } from './faultPlan';
import type { ModelAnswer } from './modelAnswer';
import type { ModelCall } from './modelCall';
import { estimateTokens, usageEstimate, type UsageEstimate } from './usageEstimate';

/** How an answer ends, as the payloads report it (Responses `status` / Chat `finish_reason`). */
export type AnswerEnding =
  | { readonly kind: 'completed' }
  | { readonly kind: 'incomplete'; readonly reason: 'max_output_tokens' | 'content_filter' }
  /** The model declined: the answer's text is the refusal, sent as a `refusal` part. */
  | { readonly kind: 'refused' };

/** An answer as it will be sent: its (maybe cut) text, how it ended and the usage reported. */
export interface EndedAnswer {
  readonly answer: ModelAnswer;
  readonly ending: AnswerEnding;
  readonly usage: UsageEstimate;
}

/** What a refusing model says; the relay must never log or publish it. */
export const refusalText = "I'm sorry, but I can't help with that request.";

/** Characters per token, the stand-in's estimate (usageEstimate) read backwards. */
const charsPerToken = 4;

/**
 * Decides how an answer ends. The `incomplete`, `refusal` and `content-filter` faults say so;
 * otherwise an answer longer than the call's `max_output_tokens` is cut there and reported
 * incomplete, as the real API does. The other output faults (malformed, schemaViolation,
 * oversized) keep their deliberate shape whatever the allowance.
 *
 * @example
 * endAnswer(call, composeAnswer(call), { kind: 'incomplete' }).ending; // { kind: 'incomplete', reason: 'max_output_tokens' }
 */
export function endAnswer(call: ModelCall, answer: ModelAnswer, fault: Fault | undefined): EndedAnswer {
  const full = usageEstimate(call, answer.text);
  const allowance = call.maxOutputTokens;
  switch (fault?.kind) {
    case 'refusal':
      return {
        answer: { text: refusalText, annotations: [], ...(answer.webSearch ? { webSearch: answer.webSearch } : {}) },
        ending: { kind: 'refused' },
        usage: { inputTokens: full.inputTokens, outputTokens: estimateTokens(refusalText) },
      };
    case 'incomplete': {
      // Cut at the allowance, and at least in half: the fault always yields a cut answer.
      const chars = Math.min(Math.floor(answer.text.length / 2), allowance === undefined ? Infinity : allowance * charsPerToken);
      const cut = cutAnswer(answer, chars);
      const outputTokens = allowance ?? estimateTokens(cut.text);
      return { answer: cut, ending: { kind: 'incomplete', reason: 'max_output_tokens' }, usage: { inputTokens: full.inputTokens, outputTokens } };
    }
    case 'content-filter': {
      const cut = cutAnswer(answer, Math.floor(answer.text.length / 3));
      return { answer: cut, ending: { kind: 'incomplete', reason: 'content_filter' }, usage: { inputTokens: full.inputTokens, outputTokens: estimateTokens(cut.text) } };
    }
    case 'malformed':
    case 'schemaViolation':
    case 'oversized':
      return { answer, ending: { kind: 'completed' }, usage: full };
    default:
      if (allowance !== undefined && full.outputTokens > allowance) {
        const cut = cutAnswer(answer, allowance * charsPerToken);
        return { answer: cut, ending: { kind: 'incomplete', reason: 'max_output_tokens' }, usage: { inputTokens: full.inputTokens, outputTokens: allowance } };
      }
      return { answer, ending: { kind: 'completed' }, usage: full };
  }
}

/** The answer's first `chars` characters, keeping only the citations that lie wholly inside them. */
function cutAnswer(answer: ModelAnswer, chars: number): ModelAnswer {
  const text = answer.text.slice(0, Math.max(1, chars));
  return { ...answer, text, annotations: answer.annotations.filter((citation) => citation.end_index <= text.length) };
}
