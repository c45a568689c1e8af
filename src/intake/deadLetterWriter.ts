import { createHash } from 'node:crypto';
import { CompressionTypes, type IHeaders, type KafkaMessage, type Producer } from 'kafkajs';
import { deadLetterHeaderNames } from '../contracts/deadLetterRecord';
import { maskSecrets } from '../logging/logger';
import type { InvalidRequestError } from '../errors';

/** Broker refusals that no retry of the same record can overcome. */
const tooLargeErrors = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/**
 * Writes an unusable request to the dead-letter topic: the original key, value bytes and
 * headers unchanged, plus the reason and where it came from, gzip-compressed (a record that
 * came compressed fits again). Should the broker still refuse it as too large, the letter
 * keeps the headers and the reason but not the value: instead its size and SHA-256 digest, so
 * an operator can fetch the original from its source coordinates — a letter is always
 * written, and the partition never stalls on it. acks=all, so once this resolves the record
 * is durable and the source offset may be committed.
 */
export async function writeDeadLetter(producer: Producer, topic: string, message: KafkaMessage, error: InvalidRequestError): Promise<void> {
  const headers = deadLetterHeaders(message, error);
  try {
    await send(producer, topic, message, message.value, headers);
  } catch (sendError) {
    if (!tooLargeErrors.has((sendError as { type?: string }).type ?? '')) throw sendError;
    const value = message.value ?? Buffer.alloc(0);
    const omitted = {
      [deadLetterHeaderNames.valueOmitted]: 'too-large-for-the-dlq',
      [deadLetterHeaderNames.valueSize]: String(value.length),
      [deadLetterHeaderNames.valueSha256]: createHash('sha256').update(value).digest('hex'),
    };
    try {
      await send(producer, topic, message, null, { ...headers, ...omitted });
    } catch (again) {
      if (!tooLargeErrors.has((again as { type?: string }).type ?? '')) throw again;
      // Even the headers are too large: the dlq.* ones alone, which always fit.
      const own = Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('dlq.')));
      await send(producer, topic, { ...message, key: null }, null, { ...own, ...omitted });
    }
  }
}

function send(producer: Producer, topic: string, message: KafkaMessage, value: Buffer | null, headers: IHeaders): Promise<unknown> {
  return producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages: [{ key: message.key, value, headers, timestamp: message.timestamp }] });
}

function deadLetterHeaders(message: KafkaMessage, error: InvalidRequestError): IHeaders {
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) headers[name] = value;
  }
  headers[deadLetterHeaderNames.reason] = error.reason;
  headers[deadLetterHeaderNames.detail] = maskSecrets(error.message).slice(0, 2000);
  headers[deadLetterHeaderNames.sourceTopic] = error.location.topic;
  headers[deadLetterHeaderNames.sourcePartition] = String(error.location.partition);
  headers[deadLetterHeaderNames.sourceOffset] = error.location.offset;
  headers[deadLetterHeaderNames.deadLetteredAt] = new Date().toISOString();
  return headers;
}
