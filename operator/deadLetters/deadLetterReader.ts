import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { RelayConfig } from '../../src/config/relayConfig';
import { deadLetterHeaderNames } from '../../src/contracts/deadLetterRecord';
import { headersAsText } from '../../src/kafka/messageHeaders';

/** One dead-lettered request, as `dlq list` shows it. */
export interface DeadLetter {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | undefined;
  /** The original value: UTF-8 text when it is text, else base64. */
  readonly value: string;
  readonly valueEncoding: 'utf8' | 'base64';
  /** Set when the DLQ could not hold the original value: fetch it from `source` by its size and digest. */
  readonly valueOmitted?: { readonly size: number; readonly sha256: string };
  readonly reason: string;
  readonly detail: string;
  readonly source: { readonly topic: string; readonly partition: number; readonly offset: string };
  readonly deadLetteredAt: string;
  /** The original headers (without the dlq.* ones). */
  readonly headers: Record<string, string>;
  readonly raw: KafkaMessage;
}

export interface DeadLetterFilter {
  readonly reason?: string;
  readonly key?: string;
}

/**
 * Reads the DLQ as it is now (from its low to its high watermark) with a throwaway consumer
 * group that is deleted afterwards, so listing leaves no trace.
 *
 * @example
 * const letters = await readDeadLetters(kafka, loadRelayConfig(process.env), { reason: 'schema-violation' });
 * for (const letter of letters) console.log(letter.source.offset, letter.reason, letter.detail);
 */
export async function readDeadLetters(kafka: Kafka, config: RelayConfig, filter: DeadLetterFilter = {}): Promise<DeadLetter[]> {
  const found: DeadLetter[] = [];
  await streamDeadLetters(kafka, config, filter, (letter) => found.push(letter));
  return found.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

/**
 * Hands each matching dead letter to `visit` as it is read — memory stays flat however large
 * the DLQ — from the topic's low to its high watermark as they are now, with a throwaway
 * consumer group that is deleted afterwards. Resolves with the number of letters read.
 *
 * @example
 * const total = await streamDeadLetters(kafka, config, {}, (letter) => console.log(letter.reason, letter.key));
 */
export async function streamDeadLetters(kafka: Kafka, config: RelayConfig, filter: DeadLetterFilter, visit: (letter: DeadLetter) => void): Promise<number> {
  const topic = config.topics.deadLetter;
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `${config.consumerGroupId}-dlq-reader-${randomUUID()}`;
  try {
    const marks = await admin.fetchTopicOffsets(topic);
    const pending = new Map(marks.filter((m) => BigInt(m.high) > BigInt(m.low)).map((m) => [m.partition, BigInt(m.high)]));
    if (pending.size === 0) return 0;
    await admin.setOffsets({ groupId, topic, partitions: marks.map((m) => ({ partition: m.partition, offset: m.low })) });
    let total = 0;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachBatch: ({ batch }) => {
            const end = pending.get(batch.partition);
            for (const message of batch.messages) {
              if (end === undefined || BigInt(message.offset) >= end) continue;
              const letter = toDeadLetter(batch.partition, message);
              total += 1;
              if ((!filter.reason || letter.reason === filter.reason) && (!filter.key || letter.key === filter.key)) visit(letter);
              if (BigInt(message.offset) + 1n >= end) pending.delete(batch.partition);
            }
            if (pending.size === 0) resolve();
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    return total;
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

function toDeadLetter(partition: number, message: KafkaMessage): DeadLetter {
  const text = headersAsText(message.headers);
  const value = message.value ?? Buffer.alloc(0);
  const utf8 = value.toString('utf8');
  const isText = Buffer.from(utf8, 'utf8').equals(value);
  return {
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8'),
    value: isText ? utf8 : value.toString('base64'),
    valueEncoding: isText ? 'utf8' : 'base64',
    ...(text[deadLetterHeaderNames.valueOmitted] ? { valueOmitted: { size: Number(text[deadLetterHeaderNames.valueSize] ?? 0), sha256: text[deadLetterHeaderNames.valueSha256] ?? '' } } : {}),
    reason: text[deadLetterHeaderNames.reason] ?? 'unknown',
    detail: text[deadLetterHeaderNames.detail] ?? '',
    source: {
      topic: text[deadLetterHeaderNames.sourceTopic] ?? '',
      partition: Number(text[deadLetterHeaderNames.sourcePartition] ?? -1),
      offset: text[deadLetterHeaderNames.sourceOffset] ?? '',
    },
    deadLetteredAt: text[deadLetterHeaderNames.deadLetteredAt] ?? '',
    headers: Object.fromEntries(Object.entries(text).filter(([name]) => !name.startsWith('dlq.'))),
    raw: message,
  };
}
