import zlib from 'node:zlib';
import { ProtocolDecoder, type ProtocolReader } from '../../src/kafka/kafkajsProtocolInternals';

/** A record to encode as Kafka's record format v2 (magic 2) writes it. */
export interface CraftedRecord {
  readonly offsetDelta: number;
  readonly timestampDelta?: number;
  readonly key?: string | null;
  readonly value?: string | Buffer | null;
  /** In order; a name may repeat; null is a null value (length -1). */
  readonly headers?: readonly (readonly [name: string, value: string | null])[];
}

export type CraftedCodec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd' | 5;

export interface CraftedBatch {
  readonly firstOffset: number;
  readonly records: readonly CraftedRecord[];
  readonly codec?: CraftedCodec;
  /** The bytes after the record count; by default the records, compressed with the codec (snappy and lz4: left as they are). */
  readonly payload?: Buffer;
  readonly firstTimestamp?: number;
  readonly maxTimestamp?: number;
  readonly logAppendTime?: boolean;
  readonly transactional?: boolean;
  readonly control?: boolean;
  readonly producerId?: number;
}

const codecIds: Readonly<Record<CraftedCodec, number>> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4, 5: 5 };

/** One record batch (firstOffset, length, then the batch), as a fetch response carries it. */
export function recordBatchBytes(batch: CraftedBatch): Buffer {
  const codec = batch.codec ?? 'none';
  const attributes = codecIds[codec] | (batch.logAppendTime ? 0x8 : 0) | (batch.transactional ? 0x10 : 0) | (batch.control ? 0x20 : 0);
  const lastOffsetDelta = Math.max(0, ...batch.records.map((record) => record.offsetDelta));
  const body = Buffer.concat([
    int32(0), // partition leader epoch
    Buffer.from([2]), // magic
    int32(0), // CRC: neither decoder checks it
    int16(attributes),
    int32(lastOffsetDelta),
    int64(batch.firstTimestamp ?? 1_700_000_000_000),
    int64(batch.maxTimestamp ?? 1_700_000_000_500),
    int64(batch.producerId ?? -1),
    int16(0),
    int32(-1),
    int32(batch.records.length),
    batch.payload ?? compress(codec, encodedRecords(batch.records)),
  ]);
  return Buffer.concat([int64(batch.firstOffset), int32(body.length), body]);
}

/** The records section of a fetched partition (its size, then the batches), to hand to decodeMessages. */
export function fetchedRecords(batches: readonly Buffer[], cutOff = 0): ProtocolReader {
  const all = Buffer.concat(batches);
  const sent = all.subarray(0, all.length - cutOff);
  return new ProtocolDecoder(Buffer.concat([int32(sent.length), sent]));
}

export function encodedRecords(records: readonly CraftedRecord[]): Buffer {
  return Buffer.concat(records.map(encodedRecord));
}

function encodedRecord(record: CraftedRecord): Buffer {
  const headers = record.headers ?? [];
  const body = Buffer.concat([
    Buffer.from([0]), // attributes
    varInt(record.timestampDelta ?? 0),
    varInt(record.offsetDelta),
    varIntBytes(record.key ?? null),
    varIntBytes(record.value ?? null),
    varInt(headers.length),
    ...headers.flatMap(([name, value]) => [varIntBytes(name), varIntBytes(value)]),
  ]);
  return Buffer.concat([varInt(body.length), body]);
}

function compress(codec: CraftedCodec, records: Buffer): Buffer {
  if (codec === 'gzip') return zlib.gzipSync(records);
  if (codec === 'zstd') return zlib.zstdCompressSync(records);
  return records;
}

/** A zigzag varint, as Kafka writes lengths and deltas (31-bit values suffice here). */
function varInt(value: number): Buffer {
  let rest = ((value << 1) ^ (value >> 31)) >>> 0;
  const bytes: number[] = [];
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function varIntBytes(value: string | Buffer | null): Buffer {
  if (value === null) return varInt(-1);
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value);
  return Buffer.concat([varInt(bytes.length), bytes]);
}

function int16(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeInt16BE(value);
  return bytes;
}

function int32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(value);
  return bytes;
}

function int64(value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64BE(BigInt(value));
  return bytes;
}
