/**
 * Tracks which offsets of one partition's batch are acknowledged (workflow started,
 * duplicate, cancel answered, or dead-lettered) and yields the offset up to which everything is — the only
 * offset that may be committed. A message still in flight holds back all after it.
 */
export class BatchAcknowledgement {
  private readonly done = new Set<string>();
  private next = 0;

  constructor(private readonly offsets: readonly string[]) {}

  /** Marks one offset done; returns the new highest contiguous offset, if it moved. */
  acknowledge(offset: string): string | undefined {
    this.done.add(offset);
    let moved: string | undefined;
    while (this.next < this.offsets.length && this.done.has(this.offsets[this.next] as string)) {
      moved = this.offsets[this.next];
      this.next += 1;
    }
    return moved;
  }

  /** How many offsets of the batch are acknowledged (in order or not). */
  get doneCount(): number {
    return this.done.size;
  }

  get complete(): boolean {
    return this.next === this.offsets.length;
  }
}
