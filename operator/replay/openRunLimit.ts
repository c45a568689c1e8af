/**
 * At most `max` of a replay's runs open at once: a start waits until one of the runs it
 * started has closed. A replay then goes no faster than the workers finish its runs, so no
 * backlog builds up in Temporal behind the live requests (a large backlog slows the server and
 * the workers for everyone, whatever the runs' priority).
 *
 * @example
 * const open = new OpenRunLimit(40, (workflowId, signal) => client.withAbortSignal(signal, () => client.workflow.getHandle(workflowId).result()).then(() => undefined));
 * await open.acquire(signal);
 * const outcome = await startRun();
 * if (outcome.kind === 'started') open.watch(outcome.workflowId); else open.release();
 * await open.close(); // before the Temporal connection closes
 */
export class OpenRunLimit {
  private open = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly watching = new Set<Promise<void>>();
  private readonly stop = new AbortController();

  constructor(
    readonly max: number,
    /** Resolves (or rejects) once the run has closed, however it ended, or the signal aborts. */
    private readonly closed: (workflowId: string, signal: AbortSignal) => Promise<void>,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`the open-run limit must be a positive integer, got ${max}`);
  }

  /** Waits for room for one more run; rejects when the signal aborts first. */
  async acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.open < this.max) {
      this.open += 1;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const granted = (): void => {
        signal?.removeEventListener('abort', aborted);
        resolve();
      };
      const aborted = (): void => {
        const index = this.waiting.indexOf(granted);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      this.waiting.push(granted);
      signal?.addEventListener('abort', aborted, { once: true });
    });
  }

  /** The room taken was not used (nothing started). */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.open -= 1;
  }

  /** The run started: its room is given back when it closes. */
  watch(workflowId: string): void {
    const watched = this.closed(workflowId, this.stop.signal)
      .catch(() => undefined)
      .finally(() => {
        this.watching.delete(watched);
        this.release();
      });
    this.watching.add(watched);
  }

  /**
   * Stops watching the runs still open and waits until every watch has ended: the replay is
   * over, and its Temporal connection may close (a call still waiting on it would fail).
   */
  async close(): Promise<void> {
    this.stop.abort();
    await Promise.allSettled([...this.watching]);
  }

  /** Runs started and not yet closed (or rooms granted and not yet used). */
  get count(): number {
    return this.open;
  }
}
