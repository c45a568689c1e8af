import type { Producer } from 'kafkajs';
import type { ResultWatcher } from './resultWatcher';

export interface TrickleOptions {
  /** Request ids are `<prefix>-<n>`. */
  readonly prefix: string;
  /** Requests to send at least. */
  readonly count: number;
  /** Goes on sending past `count` until this says it is done (e.g. until a replay has started all its runs). */
  readonly until?: () => boolean;
  /** One request every this many milliseconds, whatever the answers do. */
  readonly intervalMs: number;
  /** Give up waiting for the answers this long after the last request was sent. */
  readonly answerTimeoutMs: number;
  /** Called every half second with what was sent and answered so far. */
  readonly onProgress: (sent: number, answered: number) => void;
}

/** One live request: when it was sent, and when its result event was read from the topic. */
export interface LiveAnswer {
  readonly requestId: string;
  readonly sentAt: number;
  readonly resultAt: number;
  /** Its result was research.failed: its time is a time to failure, not to research. */
  readonly failed: boolean;
}

/**
 * A steady trickle of live requests, as upstream systems send them: one every `intervalMs`,
 * each with its team (`metadata.team`, in turn over four teams), `count` of them or more while
 * `until` says to go on. Resolves once every one has
 * its result; time to result = `resultAt - sentAt`.
 */
export async function sendLiveTrickle(producer: Producer, topic: string, watcher: ResultWatcher, options: TrickleOptions): Promise<LiveAnswer[]> {
  const sentAt = new Map<string, number>();
  const answered = (): number => [...sentAt.keys()].filter((id) => watcher.liveResults.has(id)).length;
  const progress = setInterval(() => options.onProgress(sentAt.size, answered()), 500);
  try {
    const began = Date.now();
    const more = (i: number): boolean => i < options.count || (options.until !== undefined && !options.until());
    for (let i = 0; more(i); i += 1) {
      const due = began + i * options.intervalMs;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      const requestId = `${options.prefix}-${i}`;
      sentAt.set(requestId, Date.now());
      const value = JSON.stringify({ requestId, query: `Live question ${i}: how do heat pumps perform in cold climates?`, maxSearches: 1, metadata: { team: `team-${i % 4}` } });
      await producer.send({ topic, acks: -1, messages: [{ key: requestId, value, headers: { ce_type: 'research.requested.v1' } }] });
    }
    const deadline = Date.now() + options.answerTimeoutMs;
    while (answered() < sentAt.size) {
      if (Date.now() > deadline) throw new Error(`${sentAt.size - answered()} of ${sentAt.size} live requests had no result ${options.answerTimeoutMs / 1000} s after the last was sent`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return [...sentAt].map(([requestId, at]) => ({ requestId, sentAt: at, resultAt: watcher.liveResults.get(requestId) ?? Number.NaN, failed: watcher.liveFailures.has(requestId) }));
  } finally {
    clearInterval(progress);
    options.onProgress(sentAt.size, answered());
  }
}
