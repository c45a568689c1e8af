/**
 * Which records of one partition are acknowledged (workflow started, duplicate, cancel answered,
 * or dead-lettered), across fetched batches, and the offset the group may commit: the one after
 * the last record of the unbroken run of acknowledged ones from the oldest handed out. A record
 * still in flight holds back every record after it, however many of those are done.
 *
 * @example
 * const progress = new PartitionProgress();
 * progress.handOut('7'); progress.handOut('8');
 * progress.acknowledge('8'); // undefined: 7 is still in flight
 * progress.acknowledge('7'); // '9'
 */
export class PartitionProgress {
  private readonly offsets: string[] = [];
  private head = 0;
  private readonly done = new Set<string>();

  /** Notes a record handed to the intake path, in partition order. */
  handOut(offset: string): void {
    this.offsets.push(offset);
  }

  /** Marks one record done; returns the offset to commit when it moved. */
  acknowledge(offset: string): string | undefined {
    this.done.add(offset);
    let last: string | undefined;
    for (let next = this.offsets[this.head]; next !== undefined && this.done.has(next); next = this.offsets[this.head]) {
      last = next;
      this.done.delete(next);
      this.head += 1;
    }
    // Drop what is behind the head now and then, so a long-lived partition does not grow.
    if (this.head > 1024 && this.head * 2 > this.offsets.length) {
      this.offsets.splice(0, this.head);
      this.head = 0;
    }
    return last === undefined ? undefined : (BigInt(last) + 1n).toString();
  }

  /** The oldest record handed out and not acknowledged in order: where fetching must start again to redo it. */
  get firstPending(): string | undefined {
    return this.offsets[this.head];
  }

  /** Records handed out and not yet acknowledged in order. */
  get pending(): number {
    return this.offsets.length - this.head;
  }
}
