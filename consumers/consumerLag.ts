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
    if (this.cached && Date.now() - this.cached.at < (this.options.maxAgeMs ?? 5000)) return Promise.resolve(this.cached.lags.filter((lag) => held.has(lag.partition)));
    this.inFlight ??= this.lookUp(held).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** Disconnects the admin client; later reads report nothing. */
  async close(): Promise<void> {
    this.closed = true;
    const admin = this.admin;
    this.admin = undefined;
    await admin?.then((client) => client.disconnect()).catch(() => undefined);
  }

  private async lookUp(held: ReadonlySet<number>): Promise<readonly PartitionLag[]> {
    const { topic, groupId } = this.options;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`consumer lag lookup took over ${this.options.timeoutMs ?? 3000} ms`)), this.options.timeoutMs ?? 3000);
    });
    try {
      const lookup = (async () => {
        const admin = await this.connectedAdmin();
        const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
        const committedAt = new Map((committed?.partitions ?? []).map(({ partition, offset }) => [partition, Number(offset)]));
        return ends.map(({ partition, high, low }): PartitionLag => {
          const position = committedAt.get(partition) ?? -1;
          return { topic, partition, groupId, lag: Math.max(0, Number(high) - (position >= 0 ? position : Number(low))) };
        });
      })();
      const lags = await Promise.race([lookup, timeout]);
      this.cached = { at: Date.now(), lags };
      return lags.filter((lag) => held.has(lag.partition));
    } finally {
      clearTimeout(timer);
    }
  }

  private connectedAdmin(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.options.kafka.admin();
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
