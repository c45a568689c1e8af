import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { TopicNames } from '../config/relayConfig';
import { RecentIds } from './recentIds';
import { parseRunEvent, type RunEvent } from './runEvent';

export interface SubscribeOptions {
  /** Read results already on the topics (default false: only new ones). */
  readonly fromBeginning?: boolean;
  /** Only results of this request. */
  readonly requestId?: string;
  /** Only results of this run (Temporal run id): an earlier or later run of the same request id is skipped. */
  readonly runId?: string;
  /**
   * Only results of this rerun epoch; `'live'`: only the request's own runs, no reruns.
   * Default: every result.
   */
  readonly epoch?: number | 'live';
  /** Consumer group; default a fresh one, so every subscriber sees every result. */
  readonly groupId?: string;
  readonly signal?: AbortSignal;
  /**
   * Also yield the runs' progress events (`research.progress`, kind `'progress'`) as they
   * arrive. Best effort: progress may be missing while Kafka was away, and it is not ordered
   * with the results (another topic) — order a run's progress by `sequence`.
   */
  readonly progress?: boolean;
}

/**
 * Result events as an async iterator: `research.completed` and `research.failed` — and with
 * `progress`, `research.progress` — each event once (deduplicated by event id, since a retried
 * publish may send one twice). Ending the iteration, aborting the signal or calling the
 * returned `end` disconnects the consumer.
 */
export function subscribeToResults(
  kafka: Kafka,
  topics: TopicNames,
  subscribeOptions: SubscribeOptions,
  subscriptions: Set<() => Promise<void>>,
): AsyncIterableIterator<RunEvent> {
  const consumer = kafka.consumer({ groupId: subscribeOptions.groupId ?? `research-relay-subscriber-${randomUUID()}`, maxWaitTimeInMs: 500 });
  const kinds = new Map<string, RunEvent['kind']>([[topics.completed, 'completed'], [topics.failed, 'failed'], ...(subscribeOptions.progress ? [[topics.progress, 'progress'] as const] : [])]);
  const queue: RunEvent[] = [];
  const waiters: (() => void)[] = [];
  const seen = new RecentIds();
  let ended = false;
  let failure: unknown;
  const wake = (): void => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  const end = async (): Promise<void> => {
    if (ended) return;
    ended = true;
    wake();
    subscriptions.delete(end);
    await consumer.disconnect();
  };
  subscriptions.add(end);
  subscribeOptions.signal?.addEventListener('abort', () => void end(), { once: true });
  const started = (async () => {
    await consumer.connect();
    await consumer.subscribe({ topics: [...kinds.keys()], fromBeginning: subscribeOptions.fromBeginning ?? false });
    await consumer.run({
      eachMessage: ({ topic, message }) => {
        const kind = kinds.get(topic);
        const result = kind ? parseRunEvent(kind, message.value) : undefined;
        if (!result) return Promise.resolve();
        if (!matchesSubscription(result, subscribeOptions)) return Promise.resolve();
        if (!seen.firstTime(result.event.eventId)) return Promise.resolve();
        queue.push(result);
        wake();
        return Promise.resolve();
      },
    });
  })().catch((error: unknown) => {
    failure = error;
    void end();
  });
  const iterator: AsyncIterableIterator<RunEvent> = {
    async next() {
      await started;
      for (;;) {
        const item = queue.shift();
        if (item) return { value: item, done: false };
        if (failure) throw failure instanceof Error ? failure : new Error('the subscription failed', { cause: failure });
        if (ended) return { value: undefined, done: true };
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    async return() {
      await end();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

function matchesSubscription(result: RunEvent, options: SubscribeOptions): boolean {
  const event = result.event;
  if (options.requestId !== undefined && event.requestId !== options.requestId) return false;
  if (options.runId !== undefined && event.runId !== options.runId) return false;
  if (options.epoch === 'live') return event.epoch === undefined;
  return options.epoch === undefined || event.epoch === options.epoch;
}
