import type { KafkaMessage, Producer } from 'kafkajs';
import { deadLetterHeaderNames } from '../contracts/deadLetterRecord';
import type { InvalidRequestError } from '../errors';

/**
 * Writes an unusable request to the dead-letter topic: the original key, value bytes and
 * headers unchanged, plus the reason and where it came from. acks=all, so once this
 * resolves the record is durable and the source offset may be committed.
 */
export async function writeDeadLetter(producer: Producer, topic: string, message: KafkaMessage, error: InvalidRequestError): Promise<void> {
  const headers: Record<string, Buffer | string | (Buffer | string)[]> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) headers[name] = value;
  }
  headers[deadLetterHeaderNames.reason] = error.reason;
  headers[deadLetterHeaderNames.detail] = error.message.slice(0, 2000);
  headers[deadLetterHeaderNames.sourceTopic] = error.location.topic;
  headers[deadLetterHeaderNames.sourcePartition] = String(error.location.partition);
  headers[deadLetterHeaderNames.sourceOffset] = error.location.offset;
  headers[deadLetterHeaderNames.deadLetteredAt] = new Date().toISOString();
  await producer.send({
    topic,
    acks: -1,
    messages: [{ key: message.key, value: message.value, headers, timestamp: message.timestamp }],
  });
}
