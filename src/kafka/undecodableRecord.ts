import type { KafkaMessage } from 'kafkajs';

/** Why the records of a fetched batch could not be read. */
export type UndecodableReason = 'inflated-too-large' | 'unsupported-compression' | 'corrupt-batch';

/** What the intake learns of an undecodable record: never its content. */
export interface UndecodableRecord {
  readonly reason: UndecodableReason;
  /** The codec, the compressed size, the limit and the batch's offset range. */
  readonly detail: string;
}

// Module-private: only the record batch decoder marks a record, and nothing on the wire (key,
// value, header) can reach this map, so a producer cannot forge the mark.
const undecodable = new WeakMap<object, UndecodableRecord>();

/** Marks a synthetic record the decoder put in place of one it could not read. */
export function markUndecodable<T extends object>(record: T, why: UndecodableRecord): T {
  undecodable.set(record, why);
  return record;
}

/**
 * Why a consumed record could not be decoded, or undefined for a record decoded normally. Such a
 * record stands for one offset of a batch the consumer could not read (key and value null, no
 * headers): the intake decides what becomes of it, and the partition moves on past it.
 *
 * @example
 * const why = undecodableRecordOf(message);
 * if (why) deadLetter(message.offset, why.reason, why.detail); // 'inflated-too-large', 'gzip batch of …'
 */
export function undecodableRecordOf(message: KafkaMessage): UndecodableRecord | undefined {
  return undecodable.get(message);
}
