import type { Admin, Kafka } from 'kafkajs';
import type { PartitionLag } from '../src/telemetry/relayMetrics';

export interface ConsumerLagOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly groupId: string;
  /** The partitions of `topic` this process holds now (from the group's last join). */
  readonly assigned: () => readonly number[];
  /** Answers younger than this are reused: several scrapers, or a scrape and an OTLP push, cost one lookup. */
  readonly maxAgeMs?: number;
  /** A lookup slower than this reports nothing (a scrape must not hang on a slow broker). */
  readonly timeoutMs?: number;
}

/**
 * The consumer group's lag on the partitions this process holds: each partition's high
 * watermark minus the group's committed offset (its low watermark when nothing is committed),
 * read with the admin API when metrics are collected. Read from the brokers rather than from
 * the fetched batches, so it keeps growing while the consumer is stuck (Temporal away, a
 * partition backing off) — which is when it matters. Only held partitions are reported, so
 * several consumers of one group never report the same partition twice.
 */
export class ConsumerLagProbe {
  private admin: Promise<Admin> | undefined;
  private cached: { readonly at: number; readonly lags: readonly PartitionLag[] } | undefined;
  private inFlight: Promise<readonly PartitionLag[]> | undefined;
  private closed = false;

  constructor(private readonly options: ConsumerLagOptions) {}

  /** The lag of each held partition; rejects when the brokers do not answer in time. */
  read(): Promise<readonly PartitionLag[]> {
    const held = new Set(this.options.assigned());
    if (this.closed || held.size === 0) return Promise.resolve([]);
    const heldOnly = (lags: readonly PartitionLag[]): PartitionLag[] => lags.filter((lag) => held.has(lag.partition));
    if (this.cached && Date.now() - this.cached.at < (this.options.maxAgeMs ?? 5000)) return Promise.resolve(heldOnly(this.cached.lags));
    // One lookup at a time, for as long as it really runs (not just until a reader gives up on it).
    this.inFlight ??= this.lookUp().finally(() => (this.inFlight = undefined));
    return withDeadline(this.inFlight, this.options.timeoutMs ?? 3000).then(heldOnly);
  }

  /** Disconnects the admin client (waiting at most 2 s: the brokers may be away); later reads report nothing. */
  async close(): Promise<void> {
    this.closed = true;
    const admin = this.admin;
    this.admin = undefined;
    const disconnected = admin?.then((client) => client.disconnect()).catch(() => undefined);
    if (disconnected) await withDeadline(disconnected, 2000).catch(() => undefined);
  }

  private async lookUp(): Promise<readonly PartitionLag[]> {
    const { topic, groupId } = this.options;
    const admin = await this.connectedAdmin();
    const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const committedAt = new Map((committed?.partitions ?? []).map(({ partition, offset }) => [partition, Number(offset)]));
    const lags = ends.map(({ partition, high, low }): PartitionLag => {
      // Nothing committed (-1), or committed below what retention kept: the consumer starts at the low watermark.
      const position = Math.max(committedAt.get(partition) ?? -1, Number(low));
      return { topic, partition, groupId, lag: Math.max(0, Number(high) - position) };
    });
    this.cached = { at: Date.now(), lags };
    return lags;
  }

  private connectedAdmin(): Promise<Admin> {
    this.admin ??= (async () => {
      // No retries of its own: a lookup that fails is tried again at the next collection, instead
      // of retrying for a minute and more in the background while the brokers are away.
      const admin = this.options.kafka.admin({ retry: { retries: 0 } });
      await admin.connect();
      return admin;
    })().catch((error: unknown) => {
      // The next collection connects again.
      this.admin = undefined;
      throw error;
    });
    return this.admin;
  }
}

/** The promise, or a rejection once `ms` have passed (the promise itself runs on). */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`consumer lag lookup took over ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
