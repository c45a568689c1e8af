import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { headerText } from '../../src/kafka/messageHeaders';

/** What the ledger needs of a record on a result topic or the DLQ. */
export interface SeenRecord {
  readonly topic: string;
  readonly key: string | undefined;
  /** `ce_id` (the terminal event's eventId) or, on the DLQ, `dlq.reason`. */
  readonly label: string | undefined;
}

/**
 * Reads the topics from the beginning to their current end with a fresh consumer (its own,
 * never-committing group), so every count comes from what Kafka holds, not from a consumer's
 * memory. Throws when the broker is away; the caller tries again.
 */
export async function readTopicsToEnd(kafka: Kafka, topics: readonly string[], timeoutMs = 60_000): Promise<SeenRecord[]> {
  const remaining = await partitionEnds(kafka, topics);
  if (remaining.size === 0) return [];
  const seen: SeenRecord[] = [];
  const consumer = kafka.consumer({ groupId: `chaos-reader-${randomUUID()}`, maxWaitTimeInMs: 100, sessionTimeout: 10_000 });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        autoCommit: false,
        eachMessage: ({ topic, partition, message }) => {
          const end = remaining.get(`${topic}/${partition}`);
          if (end !== undefined && Number(message.offset) < end) {
            const label = topic.endsWith('.dlq') ? headerText(message.headers, 'dlq.reason') : headerText(message.headers, 'ce_id');
            seen.push({ topic, key: message.key?.toString(), label });
            if (Number(message.offset) + 1 >= end) remaining.delete(`${topic}/${partition}`);
          }
          if (remaining.size === 0) resolve();
          return Promise.resolve();
        },
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`reading ${topics.join(', ')} took longer than ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.race([done, timeout]).finally(() => clearTimeout(timer));
    return seen;
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

/** `topic/partition` → high watermark, for partitions that hold records. */
async function partitionEnds(kafka: Kafka, topics: readonly string[]): Promise<Map<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = new Map<string, number>();
    for (const topic of topics) {
      for (const partition of await admin.fetchTopicOffsets(topic)) {
        if (Number(partition.high) > Number(partition.low)) ends.set(`${topic}/${partition.partition}`, Number(partition.high));
      }
    }
    return ends;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** How many records of the topic the group has not committed past yet. */
export async function consumerLag(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return ends.reduce((lag, end) => {
      const offset = Number(committed?.partitions.find((partition) => partition.partition === end.partition)?.offset ?? -1);
      return lag + Number(end.high) - Math.max(offset, Number(end.low));
    }, 0);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
