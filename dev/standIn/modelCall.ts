import { InvalidCallError } from './standInErrors';

/** The structured-output format a call asked for. */
export type OutputFormat =
  | { readonly kind: 'text' }
  | { readonly kind: 'json_object' }
  | { readonly kind: 'json_schema'; readonly name: string; readonly schema: unknown };

/**
 * One model call, the same whichever API it came through: the server reads a Responses or Chat
 * Completions body into this, and everything after (faults, content, usage) works on it alone.
 */
export interface ModelCall {
  readonly api: 'responses' | 'chat';
  readonly model: string;
  /** System/developer text: Responses `instructions` plus system and developer messages. */
  readonly instructions: string;
  /** Everything else the caller sent as input: user, assistant and tool messages. */
  readonly input: string;
  readonly format: OutputFormat;
  /** The call enabled the hosted web search tool (Responses) or web_search_options (Chat). */
  readonly webSearch: boolean;
  /** `max_output_tokens` (Responses) or `max_completion_tokens` / `max_tokens` (Chat), when the call set one. */
  readonly maxOutputTokens?: number;
  /** The Responses `include` list (e.g. `web_search_call.action.sources`); empty for Chat or when absent. */
  readonly include: readonly string[];
}

type Body = Record<string, unknown>;

function outputLimit(value: unknown): { maxOutputTokens?: number } {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? { maxOutputTokens: value } : {};
}

/**
 * Reads a `POST /v1/responses` body.
 *
 * @throws {InvalidCallError} for what the real API rejects: no model, streaming, a bad format.
 */
export function responsesCall(body: unknown): ModelCall {
  const request = requireObject(body);
  const model = requireModel(request);
  rejectStreaming(request);
  const split = splitByRole(request.input);
  const instructions = [textOf(request.instructions), split.instructions].filter((text) => text.length > 0).join('\n');
  const text = isObject(request.text) ? request.text : {};
  const tools = Array.isArray(request.tools) ? request.tools : [];
  return {
    api: 'responses',
    model,
    instructions,
    input: split.input,
    format: readFormat(text.format, 'text.format', (format) => format),
    webSearch: tools.some((tool) => isObject(tool) && typeof tool.type === 'string' && tool.type.startsWith('web_search')),
    ...outputLimit(request.max_output_tokens),
    include: Array.isArray(request.include) ? request.include.filter((item): item is string => typeof item === 'string') : [],
  };
}

/**
 * Reads a `POST /v1/chat/completions` body.
 *
 * @throws {InvalidCallError} for what the real API rejects: no model, no messages, streaming.
 */
export function chatCall(body: unknown): ModelCall {
  const request = requireObject(body);
  const model = requireModel(request);
  rejectStreaming(request);
  if (!Array.isArray(request.messages) || request.messages.length === 0) {
    throw new InvalidCallError("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  }
  const split = splitByRole(request.messages);
  return {
    api: 'chat',
    model,
    instructions: split.instructions,
    input: split.input,
    // Chat nests the schema one level deeper than Responses: response_format.json_schema.{name, schema}.
    format: readFormat(request.response_format, 'response_format', (format) =>
      isObject(format.json_schema) ? format.json_schema : {},
    ),
    webSearch: isObject(request.web_search_options),
    // Older servers (and older clients) carry the allowance in max_tokens.
    ...outputLimit(request.max_completion_tokens ?? request.max_tokens),
    include: [],
  };
}

function readFormat(format: unknown, param: string, schemaHolder: (format: Body) => Body): OutputFormat {
  if (!isObject(format) || format.type === undefined || format.type === 'text') return { kind: 'text' };
  if (format.type === 'json_object') return { kind: 'json_object' };
  if (format.type === 'json_schema') {
    const holder = schemaHolder(format);
    if (typeof holder.name !== 'string' || holder.name.length === 0) {
      throw new InvalidCallError(`Missing required parameter: '${param}.name'.`, `${param}.name`, 'missing_required_parameter');
    }
    if (!isObject(holder.schema)) {
      throw new InvalidCallError(`Missing required parameter: '${param}.schema'.`, `${param}.schema`, 'missing_required_parameter');
    }
    return { kind: 'json_schema', name: holder.name, schema: holder.schema };
  }
  throw new InvalidCallError(`Invalid value for '${param}.type': ${JSON.stringify(format.type)}.`, `${param}.type`, 'invalid_value');
}

function requireObject(body: unknown): Body {
  if (!isObject(body)) throw new InvalidCallError('The request body must be a JSON object.', null);
  return body;
}

function requireModel(body: Body): string {
  if (typeof body.model !== 'string' || body.model.length === 0) {
    throw new InvalidCallError("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
  }
  return body.model;
}

function rejectStreaming(body: Body): void {
  if (body.stream === true) {
    const message = 'The stand-in does not implement streaming; call without stream: true.';
    throw new InvalidCallError(message, 'stream', 'unsupported_value');
  }
}

/** Splits messages into instruction text (system, developer) and input text (the rest). */
function splitByRole(messages: unknown): { instructions: string; input: string } {
  if (!Array.isArray(messages)) return { instructions: '', input: textOf(messages) };
  const instructions: string[] = [];
  const input: string[] = [];
  for (const message of messages) {
    const role = isObject(message) ? message.role : undefined;
    const text = textOf(message);
    if (text.length === 0) continue;
    (role === 'system' || role === 'developer' ? instructions : input).push(text);
  }
  return { instructions: instructions.join('\n'), input: input.join('\n') };
}

/**
 * The human-readable text in a message, content part, tool output or plain string. Fields
 * that carry no prose (ids, image data, roles) are skipped so they do not become keywords.
 */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(textOf).filter((text) => text.length > 0).join('\n');
  if (!isObject(value)) return '';
  return ['text', 'content', 'output', 'arguments', 'refusal']
    .map((key) => textOf(value[key]))
    .filter((text) => text.length > 0)
    .join('\n');
}

function isObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
