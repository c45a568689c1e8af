import type { Logger } from '../logging/logger';
import { losesAssignment } from './partitionRevocation';

export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/**
 * Commits the offsets the intake path has made durable, off the fetch path: marked as they
 * move, sent every `intervalMs` in one request (and once more on shutdown). A commit refused
 * because the group is rebalancing is dropped: the partition's next owner resumes from the last
 * commit that got through, and a start repeated by it finds its run (idempotent).
 */
export class OffsetCommitter {
  private readonly marked = new Map<string, TopicPartitionOffset>();
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly commit: (offsets: TopicPartitionOffset[]) => Promise<void>,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  /** Starts the periodic commits. */
  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** The partition's records before `offset` are durable. */
  mark(topic: string, partition: number, offset: string): void {
    this.marked.set(`${topic}:${partition}`, { topic, partition, offset });
  }

  /** Forgets what is marked and not sent (the group was rejoined: what is owned starts again from the last commit). */
  forget(): void {
    this.marked.clear();
  }

  /** Commits what is marked; one commit at a time, and a call during one waits for it and commits again. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.marked.size === 0) return;
    const offsets = [...this.marked.values()];
    this.marked.clear();
    this.flushing = this.commit(offsets)
      .catch((error: unknown) => {
        // kafkajs's retrier wraps a refusal it does not retry, the rebalance's type in its cause.
        if (losesAssignment(error) || losesAssignment((error as { cause?: unknown } | undefined)?.cause)) this.logger.debug('offset commit refused: the group is rebalancing', { error });
        else this.logger.warn('offset commit failed; the records after the last commit will be delivered again (their starts are idempotent)', { error });
      })
      .finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  /** Stops the periodic commits and sends what is marked. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
