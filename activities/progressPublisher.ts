import { CompressionTypes, type Producer } from 'kafkajs';
import { progressEventId } from '../src/contracts/eventId';
import { researchProgressSchema, researchProgressType, type ResearchProgressEvent } from '../src/contracts/researchProgress';
import { EventInvalidError, PublishError } from '../src/errors';
import { refusedForGood } from './completionPublisher';
import { eventRecordHeaders, type PublishContext } from './eventRecordHeaders';

/** A progress event as the workflow knows it; the publisher derives the event id. */
export type ProgressDraft = Omit<ResearchProgressEvent, 'eventId'>;

/** How long one publish waits for Kafka before it gives up on the batch (progress may be dropped). */
export const defaultProgressWaitMs = 3000;

/**
 * Publishes a run's progress events, a batch at a time, with the worker's shared producer:
 * key = requestId (one partition, so a run's steps stay in order), the request's trace in the
 * headers, eventId = f(workflow id, run id, step), so a retried publish is a duplicate that
 * subscribers drop. It waits at most `waitMs` for Kafka: progress must never hold a run up.
 */
export class ProgressPublisher {
  private readonly source: string;
  private readonly waitMs: number;

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    options: { source?: string; waitMs?: number } = {},
  ) {
    this.source = options.source ?? 'research-relay/worker';
    this.waitMs = options.waitMs ?? defaultProgressWaitMs;
  }

  async publish(drafts: readonly ProgressDraft[], context: PublishContext): Promise<{ published: number; topic: string }> {
    const events = drafts.map(progressEvent);
    const messages = events.map((event) => ({
      key: event.requestId,
      value: JSON.stringify(event),
      headers: eventRecordHeaders({ type: researchProgressType, id: event.eventId, source: this.source }, context),
    }));
    const what = `${events.length} progress event(s) for ${events[0]?.requestId ?? '?'} to ${this.topic}`;
    await withinMs(this.send(messages, what), this.waitMs, () => new PublishError(`publishing ${what}: Kafka did not answer within ${this.waitMs} ms`));
    return { published: events.length, topic: this.topic };
  }

  private async send(messages: { key: string; value: string; headers: Record<string, string> }[], what: string): Promise<void> {
    try {
      await this.producer.send({ topic: this.topic, acks: -1, compression: CompressionTypes.GZIP, messages });
    } catch (error) {
      const detail = `publishing ${what} failed: ${error instanceof Error ? error.message : String(error)}`;
      // A refusal Kafka never lifts (the topic's record size limit, …) is not worth a second attempt.
      if (refusedForGood(error)) throw new EventInvalidError(detail, { cause: error });
      throw new PublishError(detail, { cause: error });
    }
  }
}

/** The event, or an EventInvalidError naming the first problems. */
function progressEvent(draft: ProgressDraft): ResearchProgressEvent {
  const step = draft.step === 'searched' ? `searched-${draft.search?.number ?? 0}` : draft.step;
  const parsed = researchProgressSchema.safeParse({ ...draft, eventId: progressEventId(researchProgressType, draft.workflowId, draft.runId, step) });
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new EventInvalidError(`the progress event fails its schema: ${problems.join('; ')}`);
}

/**
 * The promise's outcome, or `timeout()` thrown once `ms` have passed. The promise itself goes
 * on (kafkajs sends cannot be called back): a late send is a late, deduplicable event.
 */
async function withinMs<T>(promise: Promise<T>, ms: number, timeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeout()), ms);
  });
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
