import type { Consumer, Kafka } from 'kafkajs';

/**
 * Reads the result topics as a subscriber would and notes when each result arrived: live
 * results by request id, rerun results (those with an `epoch`) only counted.
 */
export class ResultWatcher {
  /** Arrival time (ms) of each live request's first result. */
  readonly liveResults = new Map<string, number>();
  /** Live requests whose first result was a failure (research.failed): answered, but not with research. */
  readonly liveFailures = new Set<string>();
  /** Results of reruns (a replay's runs) seen so far. */
  rerunResults = 0;

  private constructor(
    private readonly consumer: Consumer,
    private readonly failedTopic: string,
  ) {}

  static async start(kafka: Kafka, topics: { readonly completed: string; readonly failed: string }, groupId: string): Promise<ResultWatcher> {
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50 });
    const watcher = new ResultWatcher(consumer, topics.failed);
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.completed, topics.failed], fromBeginning: true });
    await consumer.run({
      eachBatch: ({ batch }) => {
        const now = Date.now();
        for (const message of batch.messages) watcher.note(message.value?.toString() ?? '', now, batch.topic === watcher.failedTopic);
        return Promise.resolve();
      },
    });
    return watcher;
  }

  private note(value: string, at: number, failed: boolean): void {
    const event = JSON.parse(value) as { requestId?: string; epoch?: number };
    if (event.epoch !== undefined) this.rerunResults += 1;
    else if (event.requestId && !this.liveResults.has(event.requestId)) {
      this.liveResults.set(event.requestId, at);
      if (failed) this.liveFailures.add(event.requestId);
    }
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
