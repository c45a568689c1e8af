import { createHash } from 'node:crypto';
import type { ModelCall } from './modelCall';
import { plainAnswer, researchParagraph, researchQuestion, shortSummary } from './researchProse';
import { requestedCount } from './requestedCount';
import { type JsonValue, schemaContent } from './schemaContent';
import { createSeededRandom } from './seededRandom';
import { topicTermsOf } from './topicTerms';
import { type UrlCitation, type WebSearch, citeJsonStrings, citeParagraphs, simulatedWebSearch } from './webSearchCitations';

/** What the "model" says for one call, before it is wrapped in an API-specific payload. */
export interface ModelAnswer {
  readonly text: string;
  readonly annotations: readonly UrlCitation[];
  /** Present when the call enabled hosted web search. */
  readonly webSearch?: WebSearch;
}

/** Output faults change the text of an otherwise successful answer. */
export type OutputFault = 'malformed' | 'schemaViolation' | { readonly stretchTextsTo: number };

/**
 * The seed for a call: model, instructions and input. Ids, timestamps and faults are not part of
 * it, so a retried call gets exactly the answer the first attempt would have had.
 */
export function answerSeed(call: ModelCall): string {
  return createHash('sha256').update([call.model, call.instructions, call.input].join('\u0000')).digest('hex');
}

/**
 * Composes the answer: JSON that validates against the requested schema (or deliberately does
 * not, for the output faults), or plain research prose; cited when web search was enabled
 * (plain text and json_object answers only: json_schema answers carry no citations).
 *
 * @example
 * composeAnswer(call).text; // '{"searches":[{"reason":"…","query":"…"}, …]}'
 */
export function composeAnswer(call: ModelCall, fault?: OutputFault): ModelAnswer {
  const random = createSeededRandom(answerSeed(call));
  const terms = topicTermsOf(call.input, call.instructions);
  const webSearch = call.webSearch ? simulatedWebSearch(terms, random.fork('web-search')) : undefined;
  const sources = webSearch?.sources ?? [];

  if (call.format.kind === 'text' && fault === undefined) {
    const paragraphs = plainAnswer(terms, random.fork('answer')).split('\n\n');
    const cited = citeParagraphs(paragraphs, sources);
    return { text: cited.text, annotations: cited.annotations, webSearch };
  }

  let value: JsonValue;
  if (call.format.kind === 'json_schema') {
    value = schemaContent({
      schema: call.format.schema,
      formatName: call.format.name,
      terms,
      requestedCount: requestedCount(call.input, call.instructions),
      random: random.fork('content'),
    });
  } else {
    value = {
      topic: terms.topic,
      summary: shortSummary(terms, random.fork('summary')),
      findings: [0, 1, 2].map((i) => researchParagraph(terms, random.fork(`finding-${i}`), 2)),
      followUpQuestions: [0, 1, 2].map((i) => researchQuestion(terms, random.fork(`question-${i}`), i)),
    };
  }
  if (fault === 'malformed') return { text: malformed(JSON.stringify(value)), annotations: [], webSearch };
  if (fault === 'schemaViolation') value = violate(value, call.format.kind === 'json_schema' ? call.format.schema : undefined);
  if (typeof fault === 'object') value = stretched(value, fault.stretchTextsTo);
  const text = JSON.stringify(value);
  // The real API puts no url_citation annotations inside a json_schema answer; the sources are
  // only in the web_search_call (when the request includes them).
  const annotations = call.format.kind === 'json_schema' ? [] : citeJsonStrings(text, sources);
  return { text, annotations, webSearch };
}

/** Every string repeated until it is `chars` long: valid against the schema, far too long. */
function stretched(value: JsonValue, chars: number): JsonValue {
  if (typeof value === 'string') return value.length === 0 ? value : value.repeat(Math.ceil(chars / value.length)).slice(0, chars);
  if (Array.isArray(value)) return value.map((item) => stretched(item, chars));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, stretched(item, chars)]));
  return value;
}

/** JSON cut off halfway, as when a model stops mid-answer: never parseable. */
function malformed(json: string): string {
  const cut = json.slice(0, Math.max(1, Math.floor(json.length / 2)));
  try {
    JSON.parse(cut);
  } catch {
    return cut;
  }
  return `{"truncated": ${cut}`;
}

/**
 * Valid JSON that breaks the schema the way models most often do: a required field is missing.
 * Without a required field to drop, the first property gets a value of the wrong type; without
 * properties, the object is wrapped in an array.
 */
function violate(value: JsonValue, schema: unknown): JsonValue {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { unexpected: value };
  const node = typeof schema === 'object' && schema !== null ? (schema as Record<string, unknown>) : {};
  const required = Array.isArray(node.required) ? node.required.filter((key): key is string => typeof key === 'string') : [];
  const dropped = required.find((key) => key in value);
  if (dropped !== undefined) {
    const { [dropped]: _dropped, ...rest } = value;
    return rest;
  }
  const first = Object.keys(value)[0];
  if (first !== undefined) return { ...value, [first]: typeof value[first] === 'number' ? 'not-a-number' : 12345 };
  return [value];
}
