import { CompressionTypes, type Producer } from 'kafkajs';
import type { z } from 'zod';
import { resultEventId } from '../src/contracts/eventId';
import { researchCompletedSchema, researchCompletedType, type ResearchCompleted } from '../src/contracts/researchCompleted';
import { researchFailedSchema, researchFailedType, type ResearchFailed } from '../src/contracts/researchFailed';
import type { TopicNames } from '../src/config/relayConfig';
import { EventInvalidError, PublishError } from '../src/errors';
import { cappedCompletedDraft, cappedFailedDraft } from './cappedResult';
import { eventRecordHeaders, type PublishContext } from './eventRecordHeaders';
import { fitToBytes } from './eventSizeFit';

/** Below Kafka's default record limit (message.max.bytes, 1 MiB) with room for the headers. */
export const defaultResultMaxEventBytes = 1_000_000;

/** A result as the workflow knows it; the publisher derives the event id. */
export type CompletedDraft = Omit<ResearchCompleted, 'eventId'>;
export type FailedDraft = Omit<ResearchFailed, 'eventId'>;

export type { PublishContext } from './eventRecordHeaders';

/**
 * Publishes result events with the worker's shared producer (acks=all). Safe to run twice:
 * key = requestId and eventId = f(type, workflowId, runId), so a retried publish is a
 * duplicate that subscribers drop.
 */
export class CompletionPublisher {
  private readonly source: string;
  private readonly maxEventBytes: number;

  constructor(
    private readonly producer: Producer,
    private readonly topics: TopicNames,
    options: { source?: string; maxEventBytes?: number | undefined } = {},
  ) {
    this.source = options.source ?? 'research-relay/worker';
    this.maxEventBytes = options.maxEventBytes ?? defaultResultMaxEventBytes;
  }

  async publishCompleted(draft: CompletedDraft, context: PublishContext): Promise<{ eventId: string; topic: string }> {
    const event = validEvent(researchCompletedSchema, { ...capped(cappedCompletedDraft, draft), eventId: resultEventId(researchCompletedType, draft.workflowId, draft.runId) });
    await this.send(this.topics.completed, researchCompletedType, event.requestId, event.eventId, event, context);
    return { eventId: event.eventId, topic: this.topics.completed };
  }

  async publishFailed(draft: FailedDraft, context: PublishContext): Promise<{ eventId: string; topic: string }> {
    const event = validEvent(researchFailedSchema, { ...capped(cappedFailedDraft, draft), eventId: resultEventId(researchFailedType, draft.workflowId, draft.runId) });
    await this.send(this.topics.failed, researchFailedType, event.requestId, event.eventId, event, context);
    return { eventId: event.eventId, topic: this.topics.failed };
  }

  private async send(topic: string, type: string, key: string, eventId: string, event: object, context: PublishContext): Promise<void> {
    const value = JSON.stringify(fitToBytes(event, this.maxEventBytes));
    const headers = eventRecordHeaders({ type, id: eventId, source: this.source }, context);
    try {
      await this.producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages: [{ key, value, headers }] });
    } catch (error) {
      const detail = `publishing ${type} for ${key} to ${topic} failed: ${error instanceof Error ? error.message : String(error)}`;
      // A refusal Kafka never lifts (MESSAGE_TOO_LARGE, INVALID_RECORD, …) fails for good, so the
      // run publishes research.failed instead of retrying without end. Anything else — kafkajs
      // giving up after its own retries while the brokers are away included — is retried.
      if (refusedForGood(error)) throw new EventInvalidError(detail, { cause: error });
      throw new PublishError(detail, { cause: error });
    }
  }
}

/** The draft cut to the caps; a draft too broken to cut is left as it is, to fail its schema below. */
function capped<D>(cut: (draft: D) => D, draft: D): D {
  try {
    return cut(draft);
  } catch {
    return draft;
  }
}

/** Broker refusals of the record itself: the same record is refused again, however often it is sent. */
const permanentRefusals = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'UNSUPPORTED_FOR_MESSAGE_FORMAT']);

/** Whether the error, or one it wraps (kafkajs: `cause`, `originalError`), is a permanent refusal. */
export function refusedForGood(error: unknown): boolean {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 5; depth += 1) {
    const wrapped = current as { type?: unknown; cause?: unknown; originalError?: unknown };
    if (permanentRefusals.has(String(wrapped.type))) return true;
    current = wrapped.cause ?? wrapped.originalError;
  }
  return false;
}

/** The event, or an EventInvalidError naming the first problems: no retry can fix a schema failure. */
function validEvent<S extends z.ZodType>(schema: S, candidate: unknown): z.infer<S> {
  const parsed = schema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new EventInvalidError(`the result event fails its schema: ${problems.join('; ')}`);
}
