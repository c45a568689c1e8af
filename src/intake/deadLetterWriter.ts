import { createHash } from 'node:crypto';
import { CompressionTypes, KafkaJSError, type IHeaders, type KafkaMessage, type Producer } from 'kafkajs';
import { deadLetterHeaderNames } from '../contracts/deadLetterRecord';
import { maskSecrets } from '../logging/logger';
import type { InvalidRequestError } from '../errors';
import { encodableHeaders } from '../kafka/messageHeaders';

/** Broker refusals that no retry of the same record can overcome. */
const tooLargeErrors = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);
/** Refusals of the record itself (not of the broker's state): a smaller form may pass, a retry never. */
const invalidRecordErrors = new Set(['INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TIMESTAMP', 'POLICY_VIOLATION']);

/** Reasons whose record's own headers are the problem: the letter carries only its dlq.* headers. */
const headerlessReasons: ReadonlySet<string> = new Set(['headers-too-large', 'inflated-too-large', 'unsupported-compression', 'corrupt-batch']);

/**
 * The forms a letter can take, fullest first: the original key, value and headers; the value
 * left out (too large for the DLQ); the original headers left out (they cannot be written);
 * only the dlq.* headers, which always fit and always encode.
 */
type LetterForm = 'whole' | 'without-value' | 'without-headers' | 'minimal';

/**
 * Writes an unusable request to the dead-letter topic: the original key, value bytes and
 * headers (null header values, which kafkajs cannot encode, left out and named; dlq.* ones,
 * which only a forger sends, dropped), plus the reason and where and when it came from, gzip-compressed (a record that came compressed fits again).
 * Should the broker refuse it as too large, or should it not be writable at all (an encoding
 * fault, a record the broker calls invalid), a smaller form is written: without the value
 * (instead its size and SHA-256 digest, so an operator can fetch the original from its source
 * coordinates), without the original headers, or with the dlq.* headers alone. A letter is
 * always written, and the partition never stalls on it; only an error a retry can fix (the
 * broker away) is thrown. acks=all, so once this resolves the record is durable and the
 * source offset may be committed.
 */
export async function writeDeadLetter(producer: Producer, topic: string, message: KafkaMessage, error: InvalidRequestError): Promise<void> {
  let form: LetterForm | undefined = headerlessReasons.has(error.reason) ? 'without-headers' : 'whole';
  for (;;) {
    try {
      await send(producer, topic, letter(message, error, form));
      return;
    } catch (sendError) {
      const next = smallerForm(form, sendError);
      if (next === undefined) throw sendError;
      form = next;
    }
  }
}

/** The next form to try after `form` failed with `error`; undefined when a retry is the answer. */
function smallerForm(form: LetterForm, error: unknown): LetterForm | undefined {
  const type = kafkaErrorType(error);
  const tooLarge = tooLargeErrors.has(type);
  // Not from Kafka at all (kafkajs's encoder throws TypeErrors), or the broker refuses the record itself.
  const unwritable = !(error instanceof KafkaJSError) || invalidRecordErrors.has(type);
  if (form === 'minimal' || (!tooLarge && !unwritable)) return undefined;
  if (form === 'whole') return tooLarge ? 'without-value' : 'without-headers';
  return 'minimal';
}

/** The broker's error type, also where kafkajs wrapped it after its own retries (KafkaJSNumberOfRetriesExceeded). */
function kafkaErrorType(error: unknown): string {
  const own = (error as { type?: unknown }).type;
  if (typeof own === 'string') return own;
  const cause = (error as { cause?: { type?: unknown } }).cause?.type;
  return typeof cause === 'string' ? cause : '';
}

interface Letter {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
}

function letter(message: KafkaMessage, error: InvalidRequestError, form: LetterForm): Letter {
  const own = deadLetterOwnHeaders(message, error);
  const original = encodableHeaders(withoutOwnHeaders(message.headers));
  const keepsHeaders = form === 'whole' || form === 'without-value';
  const keepsValue = form === 'whole' || form === 'without-headers';
  const dropped = keepsHeaders ? original.dropped : Object.keys(message.headers ?? {});
  const headers: IHeaders = {
    ...(keepsHeaders ? original.headers : {}),
    ...own,
    ...(dropped.length > 0 ? { [deadLetterHeaderNames.droppedHeaders]: droppedList(dropped, keepsHeaders) } : {}),
    ...(keepsValue ? {} : omittedValue(message.value)),
  };
  return { key: form === 'minimal' ? null : message.key, value: keepsValue ? message.value : null, headers };
}

/** A record's own dlq.* headers are a producer's forgery (a letter that claims its value was left out): never copied. */
function withoutOwnHeaders(headers: IHeaders | undefined): IHeaders {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !name.startsWith('dlq.')));
}

/** The names of the headers left out of the letter, cut to fit a header of its own. */
function droppedList(names: readonly string[], onlyNullValues: boolean): string {
  const list = names.slice(0, 20).map((name) => name.slice(0, 100)).join(',');
  const more = names.length > 20 ? `,… (${names.length} in all)` : '';
  return `${onlyNullValues ? 'null values: ' : ''}${list}${more}`.slice(0, 2000);
}

function omittedValue(value: Buffer | null): IHeaders {
  const bytes = value ?? Buffer.alloc(0);
  return {
    [deadLetterHeaderNames.valueOmitted]: 'too-large-for-the-dlq',
    [deadLetterHeaderNames.valueSize]: String(bytes.length),
    [deadLetterHeaderNames.valueSha256]: createHash('sha256').update(bytes).digest('hex'),
  };
}

function send(producer: Producer, topic: string, letter: Letter): Promise<unknown> {
  return producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages: [letter] });
}

function deadLetterOwnHeaders(message: KafkaMessage, error: InvalidRequestError): IHeaders {
  return {
    [deadLetterHeaderNames.reason]: error.reason,
    [deadLetterHeaderNames.detail]: maskSecrets(error.message).slice(0, 2000),
    [deadLetterHeaderNames.sourceTopic]: error.location.topic,
    [deadLetterHeaderNames.sourcePartition]: String(error.location.partition),
    [deadLetterHeaderNames.sourceOffset]: error.location.offset,
    // The letter itself is stamped by the broker: an old record's stamp would be refused, or expired at once by the DLQ's retention.
    [deadLetterHeaderNames.sourceTimestamp]: message.timestamp,
    [deadLetterHeaderNames.deadLetteredAt]: new Date().toISOString(),
  };
}
