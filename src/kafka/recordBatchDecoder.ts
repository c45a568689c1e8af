import { codecName, inflateRecords, type BatchCodec } from './cappedInflate';
import { KafkaJSPartialMessageError, ProtocolDecoder, type ProtocolReader } from './kafkajsProtocolInternals';
import { decodeRecord, logAppendTime, type BatchContext, type DecodedRecord } from './recordDecoder';
import { markUndecodable, type UndecodableRecord } from './undecodableRecord';

const timestampTypeFlag = 0x8;
const transactionalFlag = 0x10;
const controlFlag = 0x20;
const codecMask = 0x07;

/** A record batch as kafkajs's RecordBatch v0 decoder returns it: its context and its records. */
export type DecodedRecordBatch = Omit<BatchContext, 'magicByte'> & { readonly records: DecodedRecord[] };

/**
 * A replacement for kafkajs 2.2.4's record batch decoder (src/protocol/recordBatch/v0/decoder.js),
 * read from a fetch response by kafkajs's decodeMessages, with the same output. It differs where
 * one record could stop a consumer group: headers are read in linear time, compressed batches
 * inflate only up to limitInflatedBatchBytes, zstd is read, and a batch it cannot read (too
 * large inflated, a codec nobody registered, corrupt) does not fail the fetch: each of its
 * offsets yields a record marked for undecodableRecordOf. A batch cut off by the fetch's size
 * limit still throws KafkaJSPartialMessageError, which tells decodeMessages to stop there.
 *
 * @example
 * const batch = await decodeRecordBatch(new ProtocolDecoder(fetchedBytes));
 * batch.records.map((record) => undecodableRecordOf(record)?.reason);
 */
export async function decodeRecordBatch(fetchReader: ProtocolReader): Promise<DecodedRecordBatch> {
  const firstOffset = fetchReader.readInt64().toString();
  const length = fetchReader.readInt32();
  const reader = fetchReader.slice(length);
  fetchReader.forward(length);
  const remainingBytes = Buffer.byteLength(reader.buffer);
  if (remainingBytes < length) {
    throw new KafkaJSPartialMessageError(`Tried to decode a partial record batch: remainingBytes(${remainingBytes}) < recordBatchLength(${length})`);
  }
  const { context, codec } = readBatchHeader(reader, firstOffset);
  const { magicByte: _magicByte, ...batch } = context;
  return { ...batch, records: await decodeRecords(reader, codec, context) };
}

/** The fields between the batch's length and its records, in kafkajs's names. */
function readBatchHeader(reader: ProtocolReader, firstOffset: string): { context: BatchContext; codec: BatchCodec } {
  const partitionLeaderEpoch = reader.readInt32();
  const magicByte = reader.readInt8();
  reader.readInt32(); // The CRC: kafkajs does not check it either (TCP and the broker did).
  const attributes = reader.readInt16();
  const lastOffsetDelta = reader.readInt32();
  const firstTimestamp = reader.readInt64().toString();
  const maxTimestamp = reader.readInt64().toString();
  const producerId = reader.readInt64().toString();
  const producerEpoch = reader.readInt16();
  const firstSequence = reader.readInt32();
  const context: BatchContext = {
    firstOffset,
    firstTimestamp,
    partitionLeaderEpoch,
    inTransaction: (attributes & transactionalFlag) > 0,
    isControlBatch: (attributes & controlFlag) > 0,
    lastOffsetDelta,
    producerId,
    producerEpoch,
    firstSequence,
    maxTimestamp,
    timestampType: (attributes & timestampTypeFlag) > 0 ? logAppendTime : 0,
    magicByte,
  };
  return { context, codec: (attributes & codecMask) as BatchCodec };
}

async function decodeRecords(reader: ProtocolReader, codec: BatchCodec, context: BatchContext): Promise<DecodedRecord[]> {
  const count = reader.readInt32();
  if (codec === 0) return readRecords(reader, count, context, 'uncompressed batch');
  if (count <= 0) return [];
  const compressed = reader.readAll();
  const outcome = await inflateRecords(codec, compressed);
  if ('undecodable' in outcome) return undecodableRecords(context, outcome.undecodable);
  return readRecords(new ProtocolDecoder(outcome.inflated), count, context, `${codecName(codec)} batch of ${compressed.length} compressed bytes`);
}

/** `count` records, or (when they do not parse) the batch's offsets as corrupt. */
function readRecords(reader: ProtocolReader, count: number, context: BatchContext, about: string): DecodedRecord[] {
  if (count === -1) return [];
  try {
    // A record takes at least seven bytes: a larger count is not a real batch's.
    if (count < 0 || count > reader.buffer.length - reader.offset) throw new RangeError(`${count} records in ${reader.buffer.length - reader.offset} bytes`);
    return Array.from({ length: count }, () => decodeRecord(reader, context));
  } catch (error) {
    const what = error instanceof Error ? error.name : typeof error;
    return undecodableRecords(context, { reason: 'corrupt-batch', detail: `the records of the ${about} do not parse (${what})` });
  }
}

/**
 * One record per offset of the batch (firstOffset to firstOffset + lastOffsetDelta), in order,
 * with nothing of its content: the partition moves on past the batch, and the intake learns why.
 */
function undecodableRecords(context: BatchContext, why: UndecodableRecord): DecodedRecord[] {
  const first = BigInt(context.firstOffset);
  const span = Math.max(0, context.lastOffsetDelta);
  const detail = { reason: why.reason, detail: `${why.detail} (offsets ${first}..${first + BigInt(span)})` };
  const timestamp = context.timestampType === logAppendTime ? context.maxTimestamp : context.firstTimestamp;
  return Array.from({ length: span + 1 }, (_, i) =>
    markUndecodable(
      { magicByte: context.magicByte, attributes: 0, timestamp, offset: (first + BigInt(i)).toString(), key: null, value: null, headers: {}, isControlRecord: context.isControlBatch, batchContext: context },
      detail,
    ),
  );
}
