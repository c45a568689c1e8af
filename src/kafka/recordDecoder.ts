import { KafkajsLongValue, ProtocolDecoder, type ProtocolReader } from './kafkajsProtocolInternals';

/** kafkajs's TimestampTypes.LOG_APPEND_TIME: the broker's append time stands for every record. */
export const logAppendTime = 1;

/** What kafkajs's RecordBatch v0 decoder tells every record of a batch (its `batchContext`). */
export interface BatchContext {
  readonly firstOffset: string;
  readonly firstTimestamp: string;
  readonly partitionLeaderEpoch: number;
  readonly inTransaction: boolean;
  readonly isControlBatch: boolean;
  readonly lastOffsetDelta: number;
  readonly producerId: string;
  readonly producerEpoch: number;
  readonly firstSequence: number;
  readonly maxTimestamp: string;
  readonly timestampType: number;
  readonly magicByte: number;
}

/** A header's value: null when the producer sent none (length -1), as kafkajs decodes it. */
export type HeaderValue = Buffer | null;

/** A record's headers; a name sent more than once has its values in order, in an array. */
export type RecordHeaders = Record<string, HeaderValue | HeaderValue[]>;

/** One record, in the shape kafkajs's record v0 decoder gives it. */
export interface DecodedRecord {
  readonly magicByte: number;
  readonly attributes: number;
  readonly timestamp: string;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: RecordHeaders;
  readonly isControlRecord: boolean;
  readonly batchContext: BatchContext;
}

/**
 * Reads one length-prefixed record as kafkajs's record/v0/decoder.js does, except its headers
 * (see decodeHeaders). Throws on a record that does not parse (the batch then counts as corrupt).
 */
export function decodeRecord(batchReader: ProtocolReader, context: BatchContext): DecodedRecord {
  const bytes = batchReader.readVarIntBytes();
  if (bytes === null) throw new RangeError('a record without bytes (length -1)');
  const reader = new ProtocolDecoder(bytes);
  const attributes = reader.readInt8();
  const timestampDelta = reader.readVarLong();
  const timestamp =
    context.timestampType === logAppendTime && context.maxTimestamp
      ? context.maxTimestamp
      : KafkajsLongValue.fromValue(context.firstTimestamp).add(timestampDelta).toString();
  const offset = KafkajsLongValue.fromValue(context.firstOffset).add(reader.readVarInt()).toString();
  const key = reader.readVarIntBytes();
  const value = reader.readVarIntBytes();
  const headers = decodeHeaders(reader);
  return { magicByte: context.magicByte, attributes, timestamp, offset, key, value, headers, isControlRecord: context.isControlBatch, batchContext: context };
}

/**
 * Reads a record's headers in time linear in their number (kafkajs copies the object for each
 * header: 20,000 headers took it 73 s). Repeated names collect their values in an array, as in
 * kafkajs; every name is an own property, so `__proto__` is a header like any other and never
 * the object's prototype.
 */
export function decodeHeaders(reader: ProtocolReader): RecordHeaders {
  const count = reader.readVarInt();
  const headers: RecordHeaders = {};
  if (count <= 0) return headers;
  // A header takes at least two bytes (two lengths): a larger count is not a real record's.
  if (count > reader.buffer.length - reader.offset) throw new RangeError(`${count} headers in ${reader.buffer.length - reader.offset} bytes`);
  for (let i = 0; i < count; i += 1) {
    const name = String(reader.readVarIntString());
    addHeader(headers, name, reader.readVarIntBytes());
  }
  return headers;
}

function addHeader(headers: RecordHeaders, name: string, value: HeaderValue): void {
  if (!Object.hasOwn(headers, name)) {
    defineOwn(headers, name, value);
    return;
  }
  const earlier = headers[name];
  if (Array.isArray(earlier)) earlier.push(value);
  else defineOwn(headers, name, [earlier ?? null, value]);
}

/** An own, ordinary property even for `__proto__` (plain assignment would set the prototype). */
function defineOwn(headers: RecordHeaders, name: string, value: HeaderValue | HeaderValue[]): void {
  Object.defineProperty(headers, name, { value, enumerable: true, writable: true, configurable: true });
}
