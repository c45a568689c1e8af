import type { Admin, Kafka } from 'kafkajs';

export interface RequestsCatchUpOptions {
  readonly kafka: Kafka;
  /** The requests topic. */
  readonly topic: string;
  readonly groupId: string;
}

/**
 * Whether the ingest group has taken in every request sent before a moment: on each partition of
 * the requests topic, the group's committed offset has reached the first record stamped at or
 * after it (a committed offset means the start before it is durable in Temporal). A cancel on
 * its own topic that finds no run asks this: once true, its request was never sent (or was
 * dead-lettered), and waiting longer would not help. Both intake topics are broker-stamped when
 * the relay creates them, so "before" is the broker's order.
 */
export class RequestsCatchUp {
  private admin: Promise<Admin> | undefined;
  private closed = false;

  constructor(private readonly options: RequestsCatchUpOptions) {}

  /** True once every request stamped before `timestamp` is committed by the group. */
  async passed(timestamp: number): Promise<boolean> {
    if (this.closed) return false;
    const admin = await this.connected();
    const { topic, groupId } = this.options;
    const [marks, [committed]] = await Promise.all([admin.fetchTopicOffsetsByTimestamp(topic, timestamp), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const done = new Map((committed?.partitions ?? []).map(({ partition, offset }) => [partition, BigInt(offset)]));
    return marks.every(({ partition, offset }) => (done.get(partition) ?? -1n) >= BigInt(offset));
  }

  async close(): Promise<void> {
    this.closed = true;
    const admin = await this.admin?.catch(() => undefined);
    await admin?.disconnect();
  }

  private connected(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.options.kafka.admin();
      await admin.connect();
      return admin;
    })();
    // A failed connect is tried again by the next call.
    this.admin.catch(() => (this.admin = undefined));
    return this.admin;
  }
}
