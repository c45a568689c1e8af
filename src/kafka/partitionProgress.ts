import { InFlightWindow } from '../concurrency/inFlightWindow';

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
  /** Records handed out and not yet committable, at most `maxPending` (a stuck record holds the fetch, not just memory). */
  private readonly ahead: InFlightWindow | undefined;
  private readonly offsets: string[] = [];
  private head = 0;
  private readonly done = new Set<string>();
  /** Offsets that took no place in `ahead` (control records). */
  private readonly uncounted = new Set<string>();

  constructor(maxPending?: number) {
    this.ahead = maxPending === undefined ? undefined : new InFlightWindow(maxPending);
  }

  /**
   * Waits until fewer than `maxPending` records are handed out and not yet committable (the
   * oldest one unfinished holds back the ones after it); false when `signal` aborts first. A
   * true answer takes a place: hand the record out next, or give the place back.
   */
  room(signal: AbortSignal, whileWaiting: () => Promise<void>): Promise<boolean> {
    return this.ahead ? this.ahead.enter(signal, whileWaiting) : Promise.resolve(true);
  }

  /** Gives back a place taken by `room` for a record not handed out after all. */
  giveBack(): void {
    this.ahead?.leave();
  }

  /**
   * Notes an offset with nothing to do (a control record at a batch's end), in partition order:
   * it takes no place, and is acknowledged by the caller at once.
   */
  handOutDone(offset: string): void {
    this.offsets.push(offset);
    this.uncounted.add(offset);
  }

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
      if (!this.uncounted.delete(next)) this.ahead?.leave();
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
