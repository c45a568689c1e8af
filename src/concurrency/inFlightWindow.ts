/**
 * At most `size` records handed out and not yet done: the consumer keeps fetching while
 * earlier records are being started, but no further than this ahead (memory stays bounded
 * with a backlog of any size, and a stalled Temporal holds at most this many records).
 *
 * @example
 * const window = new InFlightWindow(256);
 * if (await window.enter(signal, () => payload.heartbeat())) handOut(message).finally(() => window.leave());
 */
export class InFlightWindow {
  private count = 0;
  private readonly waiting = new Set<() => void>();

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`window size must be a positive integer, got ${size}`);
  }

  get inFlight(): number {
    return this.count;
  }

  /**
   * Waits for room, calling `whileWaiting` every `everyMs` (a consumer heart-beats meanwhile);
   * resolves true once in, false when `signal` aborts first. `whileWaiting` errors propagate.
   */
  async enter(signal: AbortSignal, whileWaiting: () => Promise<void>, everyMs = 1000): Promise<boolean> {
    while (this.count >= this.size) {
      if (signal.aborted) return false;
      await this.roomOrTimeout(signal, everyMs);
      if (this.count >= this.size && !signal.aborted) await whileWaiting();
    }
    if (signal.aborted) return false;
    this.count += 1;
    return true;
  }

  leave(): void {
    this.count -= 1;
    for (const wake of this.waiting) wake();
  }

  private roomOrTimeout(signal: AbortSignal, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.waiting.add(done);
    });
  }
}
