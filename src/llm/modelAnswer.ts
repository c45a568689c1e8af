import type { ResponseOutputItem } from 'openai/resources/responses/responses';
import type { AnswerFinish } from './answerFinish';

/**
 * One model answer in the shape the rest of the code reads, whichever API it came through
 * (Responses or Chat Completions): its text, how it ended, and the tokens it was billed.
 */
export interface ModelAnswer {
  readonly id: string;
  /** The model that answered, as the server names it (the requested one when it names none). */
  readonly model: string;
  /** The answer's text: the JSON to validate ('' for a refusal). */
  readonly text: string;
  readonly finish: AnswerFinish;
  /**
   * How it ended, for spans, in Chat Completions' words whichever the API: `stop`, `length`,
   * `content_filter`, `refusal` (a refusal part or message), or the server's own word.
   */
  readonly finishReason: string;
  /** The tokens the server reported; absent when it reported none (then they are estimated). */
  readonly usage?: { readonly inputTokens: number; readonly outputTokens: number };
  /** The Responses API's output items (hosted tool calls and their sources); empty from Chat Completions. */
  readonly output: ResponseOutputItem[];
}
