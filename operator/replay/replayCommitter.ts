import type { Consumer } from 'kafkajs';

/**
 * Commits one partition's replay progress as it goes: the contiguous prefix handled so far,
 * at most once a second, always with the plan as offset metadata (so a resume finds it).
 * Commits run one after another, so an older (lower) offset never lands after a newer one;
 * a failed periodic commit is skipped (the next one covers it), only the final one counts.
 */
export class ReplayCommitter {
  private committable: string | undefined;
  private lastCommit = Date.now();
  private committing: Promise<void> = Promise.resolve();

  constructor(
    private readonly consumer: Consumer,
    private readonly topic: string,
    private readonly partition: number,
    private readonly planMetadata: string,
  ) {}

  /** Stores the plan before the batch's first start, so a replay killed at any point resumes with it. */
  storePlan(firstOffset: string): Promise<void> {
    return this.consumer.commitOffsets([{ topic: this.topic, partition: this.partition, offset: firstOffset, metadata: this.planMetadata }]);
  }

  /** Everything up to this offset is handled. */
  handledUpTo(offset: string): void {
    this.committable = offset;
  }

  /** A periodic commit (at most once a second); never throws. */
  maybeCommit(): Promise<void> {
    if (Date.now() - this.lastCommit < 1000) return Promise.resolve();
    return this.commit().catch(() => undefined);
  }

  /** The final commit of a batch; throws when it fails. */
  commit(): Promise<void> {
    if (this.committable === undefined) return this.committing;
    const offset = (BigInt(this.committable) + 1n).toString();
    this.committable = undefined;
    this.lastCommit = Date.now();
    this.committing = this.committing
      .catch(() => undefined)
      .then(() => this.consumer.commitOffsets([{ topic: this.topic, partition: this.partition, offset, metadata: this.planMetadata }]));
    return this.committing;
  }
}
