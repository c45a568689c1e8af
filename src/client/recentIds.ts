/** Remembers the last `capacity` ids seen, to drop duplicates in a stream (oldest forgotten first). */
export class RecentIds {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity = 100_000) {}

  /** True the first time an id is offered (while remembered), false for a duplicate. */
  firstTime(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return true;
  }
}
