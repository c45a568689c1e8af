import type { Client } from '@temporalio/client';
import { withCallSignal } from '../../src/concurrency/callSignal';
import type { Logger } from '../../src/logging/logger';
import { listedRuns, listQueryChunks } from '../../src/temporal/listedRuns';

/**
 * The existence pre-check of one Kafka batch: its records' workflow ids looked up in Temporal's
 * visibility a couple of hundred per list call, instead of one call per record (a describe in a
 * dry run, a refused start in skip-existing). A chunk's call goes out when its first record
 * asks, with the next chunk's right behind it, so that records never wait on the lookup of ids
 * far ahead of them. A failed call answers "unknown" for its chunk: those records take the
 * per-record path, which retries on its own.
 *
 * @example
 * const lookup = new BatchRunLookup(client, ['research-a', undefined, 'research-b'], logger);
 * await lookup.listed(0); // true: a run exists; false: not listed (yet); undefined: unknown
 */
export class BatchRunLookup {
  private readonly chunks: string[][];
  private readonly chunkOf = new Map<string, number>();
  private readonly answers: (Promise<Map<string, boolean>> | undefined)[];

  constructor(
    private readonly temporal: Client,
    /** The workflow id of each record, undefined where the record would start nothing. */
    private readonly workflowIds: readonly (string | undefined)[],
    private readonly logger: Logger,
    private readonly signal?: AbortSignal,
  ) {
    this.chunks = listQueryChunks([...new Set(workflowIds.filter((id) => id !== undefined))]);
    this.chunks.forEach((chunk, index) => chunk.forEach((id) => this.chunkOf.set(id, index)));
    this.answers = this.chunks.map(() => undefined);
  }

  /** Whether the visibility lists a run for record `index`'s workflow id; undefined when not known. */
  async listed(index: number): Promise<boolean | undefined> {
    const id = this.workflowIds[index];
    const chunk = id === undefined ? undefined : this.chunkOf.get(id);
    if (id === undefined || chunk === undefined) return undefined;
    const answer = this.answer(chunk);
    if (chunk + 1 < this.chunks.length) void this.answer(chunk + 1);
    return (await answer).get(id);
  }

  private answer(chunk: number): Promise<Map<string, boolean>> {
    const known = this.answers[chunk];
    if (known) return known;
    const ids = this.chunks[chunk] ?? [];
    const asked = this.ask(ids);
    this.answers[chunk] = asked;
    return asked;
  }

  private async ask(ids: readonly string[]): Promise<Map<string, boolean>> {
    try {
      const { signal } = this;
      return await (signal ? withCallSignal(signal, (callSignal) => this.temporal.withAbortSignal(callSignal, () => listedRuns(this.temporal, ids))) : listedRuns(this.temporal, ids));
    } catch (error) {
      if (!this.signal?.aborted) this.logger.warn('replay could not list existing runs; checking each of these requests on its own', { ids: ids.length, error });
      return new Map();
    }
  }
}
