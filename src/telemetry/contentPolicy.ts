import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { rewrittenSpan } from './rewrittenSpan';

/**
 * The one place that decides whether text derived from a prompt — the question, the planned
 * searches, the model's answers, an error body that may echo them — may reach a span. Off unless
 * OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true. With it off a span keeps ids, counts,
 * sizes, models, token counts and the error's type with a fixed description, never the text.
 *
 * Two layers apply it: our spans ask before recording content (`contentAttributes`,
 * `failureDescription`), and every span this process exports — Temporal's interceptor spans,
 * which record an activity's error message and stack, included — passes `withoutContent` on its
 * way to the exporter (see ContentPolicySpanProcessor).
 */
export function captureMessageContent(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT ?? '').toLowerCase() === 'true';
}

/** Attributes that hold content: recorded only with capture on, removed from any span otherwise. */
export const contentAttributeKeys: ReadonlySet<string> = new Set([
  'gen_ai.system_instructions',
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'input.value',
  'output.value',
  'research.search.query',
  'research.search.reason',
  'exception.message',
  'exception.stacktrace',
]);

/** The given content attributes with capture on; none with it off. */
export function contentAttributes(attributes: Attributes): Attributes {
  return captureMessageContent() ? attributes : {};
}

/** A failed span's status message: the error's own with capture on, a fixed description naming its type otherwise. */
export function failureDescription(error: unknown): string {
  const type = errorType(error);
  if (!captureMessageContent()) return fixedDescription(type);
  return error instanceof Error ? error.message.slice(0, 300) : 'failed';
}

/** The `error.type` of an error: its class name (never its message). */
export function errorType(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

/**
 * A span as it may be exported with capture off: content attributes dropped (from the span, its
 * events and its links), the status message and exception messages replaced by a fixed
 * description. The span itself is left alone; a copy with the same identity is returned.
 */
export function withoutContent(span: ReadableSpan): ReadableSpan {
  const type = typeof span.attributes['error.type'] === 'string' ? span.attributes['error.type'] : undefined;
  const description = fixedDescription(type ?? exceptionType(span.events) ?? 'Error');
  return rewrittenSpan(span, { attributes: withoutContentAttributes, statusMessage: () => description, event: withoutEventContent });
}

function withoutContentAttributes(attributes: Attributes): Attributes {
  return Object.fromEntries(Object.entries(attributes).filter(([key]) => !contentAttributeKeys.has(key)));
}

function withoutEventContent(event: TimedEvent): TimedEvent {
  if (!event.attributes) return event;
  const kept = withoutContentAttributes(event.attributes);
  if (event.name === 'exception') kept['exception.message'] = fixedDescription(String(event.attributes['exception.type'] ?? 'Error'));
  return { ...event, attributes: kept };
}

function exceptionType(events: readonly TimedEvent[]): string | undefined {
  const type = events.find((event) => event.name === 'exception')?.attributes?.['exception.type'];
  return type === undefined ? undefined : String(type);
}

function fixedDescription(type: string): string {
  return `${type} (message not recorded: content capture is off)`;
}
