import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import { describe, it } from 'node:test';
import { CompressionCodecs, CompressionTypes, type KafkaMessage } from 'kafkajs';
import { inflatedBatchByteLimit, limitInflatedBatchBytes } from '../../../src/kafka/cappedInflate';
import { installRecordBatchDecoder, recordBatchDecoderInstalled } from '../../../src/kafka/kafkajsDecoderPatch';
import { kafkajsModulePaths, ProtocolDecoder, type ProtocolReader } from '../../../src/kafka/kafkajsProtocolInternals';
import { decodeRecordBatch } from '../../../src/kafka/recordBatchDecoder';
import type { DecodedRecord } from '../../../src/kafka/recordDecoder';
import { undecodableRecordOf, type UndecodableRecord } from '../../../src/kafka/undecodableRecord';
import { encodedRecords, fetchedRecords, recordBatchBytes, type CraftedRecord } from '../../support/recordBatchBytes';

type DecodeMessages = (reader: ProtocolReader) => Promise<DecodedRecord[]>;

const requireKafkajs = createRequire(__filename);
// Loaded before the install, as a fetch before the first createKafka would load it: bound to
// kafkajs's own record batch decoder. The install must make kafkajs load it anew, bound to ours.
const kafkajsDecodeMessages = requireKafkajs(kafkajsModulePaths.decodeMessages) as DecodeMessages;
installRecordBatchDecoder();
/** decodeMessages as kafkajs's next fetch loads it: what every fetched partition goes through. */
const decodeMessages = requireKafkajs(kafkajsModulePaths.decodeMessages) as DecodeMessages;

function undecodable(record: DecodedRecord | undefined): UndecodableRecord | undefined {
  return record && undecodableRecordOf(record as unknown as KafkaMessage);
}

const text = (value: unknown): unknown => (Buffer.isBuffer(value) ? value.toString() : value);
const three: CraftedRecord[] = [0, 1, 2].map((offsetDelta) => ({ offsetDelta, timestampDelta: offsetDelta * 10, key: `k${offsetDelta}`, value: `secret ${offsetDelta}` }));

describe('reading fetched record batches (crafted bytes, through the decodeMessages kafkajs fetches with)', () => {
  it('replaces the decoder also after a fetch loaded kafkajs\'s own: decodeMessages is loaded anew and reads zstd', async () => {
    assert.ok(recordBatchDecoderInstalled());
    assert.notEqual(decodeMessages, kafkajsDecodeMessages, 'decodeMessages still bound to kafkajs\'s decoder');
    const zstd = recordBatchBytes({ firstOffset: 0, records: three, codec: 'zstd' });
    await assert.rejects(kafkajsDecodeMessages(fetchedRecords([zstd])), { name: 'KafkaJSNotImplemented' });
    const records = await decodeMessages(fetchedRecords([zstd]));
    assert.deepEqual(records.map((record) => [record.offset, text(record.key), text(record.value)]), [['0', 'k0', 'secret 0'], ['1', 'k1', 'secret 1'], ['2', 'k2', 'secret 2']]);
  });

  it('reads what kafkajs reads exactly as kafkajs does: uncompressed and gzip, repeated and null headers, log-append time, transactions, control batches', async () => {
    const headers: CraftedRecord['headers'] = [['trace', 'a'], ['tag', null], ['tag', 'x'], ['other', ''], ['tag', 'y']];
    const batches = [
      recordBatchBytes({ firstOffset: 0, records: [{ offsetDelta: 0, key: null, value: 'v', headers }, { offsetDelta: 1, timestampDelta: -5, key: 'k', value: null }] }),
      recordBatchBytes({ firstOffset: 2, records: three, codec: 'gzip', producerId: 7 }),
      recordBatchBytes({ firstOffset: 5, records: three, logAppendTime: true, maxTimestamp: 1_700_000_009_999 }),
      recordBatchBytes({ firstOffset: 8, records: three, codec: 'gzip', transactional: true, producerId: 9 }),
      recordBatchBytes({ firstOffset: 11, records: [{ offsetDelta: 0, key: Buffer.from([0, 0, 0, 0]).toString(), value: 'marker' }], control: true, transactional: true, producerId: 9 }),
    ];
    const ours = await decodeMessages(fetchedRecords(batches));
    assert.equal(ours.length, 12);
    assert.deepEqual(ours, await kafkajsDecodeMessages(fetchedRecords(batches)));
    assert.equal(ours.some((record) => undecodable(record)), false);
  });

  it('stops at a batch the fetch cut off, as kafkajs does (its partial-batch error ends decodeMessages)', async () => {
    const batches = [recordBatchBytes({ firstOffset: 0, records: three }), recordBatchBytes({ firstOffset: 3, records: three })];
    const ours = await decodeMessages(fetchedRecords(batches, 10));
    assert.deepEqual(ours.map((record) => record.offset), ['0', '1', '2']);
    assert.deepEqual(ours, await kafkajsDecodeMessages(fetchedRecords(batches, 10)));
  });

  it('keeps every header name an own property: __proto__ is not the prototype, toString and constructor keep their values', async () => {
    const headers: CraftedRecord['headers'] = [['__proto__', 'p'], ['toString', 't'], ['constructor', null], ['constructor', 'c'], ['hasOwnProperty', 'h']];
    const [record] = await decodeMessages(fetchedRecords([recordBatchBytes({ firstOffset: 0, records: [{ offsetDelta: 0, key: 'k', value: 'v', headers }] })]));
    assert.ok(record);
    assert.equal(Object.getPrototypeOf(record.headers), Object.prototype);
    assert.deepEqual(Object.keys(record.headers), ['__proto__', 'toString', 'constructor', 'hasOwnProperty']);
    const own = (name: string): unknown => Object.getOwnPropertyDescriptor(record.headers, name)?.value;
    assert.deepEqual(['__proto__', 'toString', 'constructor', 'hasOwnProperty'].map(own), [Buffer.from('p'), Buffer.from('t'), [null, Buffer.from('c')], Buffer.from('h')]);
  });

  it('turns a gzip batch with corrupt bytes into one undecodable record per offset (corrupt-batch), without its content, and reads on', async () => {
    const gzip = zlib.gzipSync(Buffer.from('records that will not survive'));
    gzip.fill(0x55, 10, gzip.length - 8); // The deflate data, between gzip's header and trailer.
    const corrupt = recordBatchBytes({ firstOffset: 10, records: three, codec: 'gzip', payload: gzip });
    const next = recordBatchBytes({ firstOffset: 13, records: [{ offsetDelta: 0, key: null, value: null }] });
    await assert.rejects(kafkajsDecodeMessages(fetchedRecords([corrupt, next])));
    const records = await decodeMessages(fetchedRecords([corrupt, next]));
    assert.deepEqual(records.map((record) => [record.offset, record.key, record.value, record.headers, undecodable(record)?.reason]), [
      ['10', null, null, {}, 'corrupt-batch'],
      ['11', null, null, {}, 'corrupt-batch'],
      ['12', null, null, {}, 'corrupt-batch'],
      // A record that looks the same (null key and value, no headers) is not marked: only the decoder marks.
      ['13', null, null, {}, undefined],
    ]);
    assert.match(undecodable(records[0])?.detail ?? '', new RegExp(`^gzip batch of ${gzip.length} compressed bytes does not inflate \\(Z_DATA_ERROR\\) \\(offsets 10\\.\\.12\\)$`));
    // The decoder itself, as decodeMessages calls it: the batch's own fields stay as they were.
    const batch = await decodeRecordBatch(new ProtocolDecoder(corrupt));
    assert.deepEqual([batch.firstOffset, batch.lastOffsetDelta, batch.records.length, undecodable(batch.records[2])?.reason], ['10', 2, 3, 'corrupt-batch']);
  });

  it('turns a zstd batch with corrupt bytes, and records that do not parse once inflated, into corrupt-batch records', async () => {
    const zstd = recordBatchBytes({ firstOffset: 0, records: three, codec: 'zstd', payload: Buffer.from('not a zstd frame at all') });
    const gibberish = recordBatchBytes({ firstOffset: 3, records: three, codec: 'gzip', payload: zlib.gzipSync(Buffer.from([0x02, 0x00])) });
    const records = await decodeMessages(fetchedRecords([zstd, gibberish]));
    assert.deepEqual(records.map((record) => [record.offset, undecodable(record)?.reason]), [['0', 'corrupt-batch'], ['1', 'corrupt-batch'], ['2', 'corrupt-batch'], ['3', 'corrupt-batch'], ['4', 'corrupt-batch'], ['5', 'corrupt-batch']]);
    assert.match(undecodable(records[0])?.detail ?? '', /^zstd batch of 23 compressed bytes does not inflate \(ZSTD_error_\w+\) \(offsets 0\.\.2\)$/);
    assert.match(undecodable(records[3])?.detail ?? '', /^the records of the gzip batch of \d+ compressed bytes do not parse \(RangeError\) \(offsets 3\.\.5\)$/);
  });

  it('inflates gzip and zstd only up to the limit: past it each offset is an undecodable record (inflated-too-large) naming codec, sizes and limit', async () => {
    const big: CraftedRecord[] = [{ offsetDelta: 0, key: 'k', value: Buffer.alloc(2 * 1024 * 1024, 'a') }, { offsetDelta: 1, key: 'k', value: 'small' }];
    const limit = inflatedBatchByteLimit();
    limitInflatedBatchBytes(1024 * 1024);
    try {
      const gzip = recordBatchBytes({ firstOffset: 20, records: big, codec: 'gzip' });
      const zstd = recordBatchBytes({ firstOffset: 22, records: big, codec: 'zstd' });
      const under = recordBatchBytes({ firstOffset: 24, records: three, codec: 'gzip' });
      const records = await decodeMessages(fetchedRecords([gzip, zstd, under]));
      assert.deepEqual(records.map((record) => [record.offset, record.value?.length, undecodable(record)?.reason]), [
        ['20', undefined, 'inflated-too-large'],
        ['21', undefined, 'inflated-too-large'],
        ['22', undefined, 'inflated-too-large'],
        ['23', undefined, 'inflated-too-large'],
        ['24', 8, undefined],
        ['25', 8, undefined],
        ['26', 8, undefined],
      ]);
      assert.match(undecodable(records[0])?.detail ?? '', /^gzip batch of \d+ compressed bytes inflates past the limit of 1048576 bytes \(offsets 20\.\.21\)$/);
      assert.match(undecodable(records[2])?.detail ?? '', /^zstd batch of \d+ compressed bytes inflates past the limit of 1048576 bytes \(offsets 22\.\.23\)$/);
    } finally {
      limitInflatedBatchBytes(limit);
    }
    assert.equal(inflatedBatchByteLimit(), 16 * 1024 * 1024, 'the default limit');
    for (const wrong of [0, -1, 1.5, Number.NaN]) assert.throws(() => limitInflatedBatchBytes(wrong), RangeError);
  });

  it('reads snappy and lz4 only through a codec registered in kafkajs\'s CompressionCodecs, whose output is held to the limit too', async () => {
    const raw = recordBatchBytes({ firstOffset: 0, records: three, codec: 'snappy' });
    const lz4 = recordBatchBytes({ firstOffset: 3, records: three, codec: 'lz4' });
    const unregistered = await decodeMessages(fetchedRecords([raw, lz4]));
    assert.deepEqual(unregistered.map((record) => undecodable(record)?.reason), Array<string>(6).fill('unsupported-compression'));
    assert.match(undecodable(unregistered[3])?.detail ?? '', /^lz4 batch of \d+ compressed bytes: no lz4 codec registered in kafkajs's CompressionCodecs \(offsets 3\.\.5\)$/);
    const codecs = CompressionCodecs as Record<number, () => unknown>;
    const kafkajsSnappy = codecs[CompressionTypes.Snappy];
    let inflated = (buffer: Buffer): Buffer => buffer; // The test's "snappy": the records as they are.
    codecs[CompressionTypes.Snappy] = () => ({ compress: () => Promise.reject(new Error('unused')), decompress: (buffer: Buffer) => Promise.resolve(inflated(buffer)) });
    try {
      const decoded = await decodeMessages(fetchedRecords([raw]));
      assert.deepEqual(decoded.map((record) => [record.offset, text(record.value), undecodable(record)]), [['0', 'secret 0', undefined], ['1', 'secret 1', undefined], ['2', 'secret 2', undefined]]);
      inflated = () => Buffer.alloc(inflatedBatchByteLimit() + 1);
      const tooLarge = await decodeMessages(fetchedRecords([raw]));
      assert.deepEqual(tooLarge.map((record) => undecodable(record)?.reason), ['inflated-too-large', 'inflated-too-large', 'inflated-too-large']);
    } finally {
      codecs[CompressionTypes.Snappy] = kafkajsSnappy as () => unknown;
    }
  });

  it('takes a codec number Kafka does not define (5) for unsupported-compression, not for uncompressed records', async () => {
    // Its bytes are plain records: kafkajs, which looks codec 5 up as "none", would read them.
    const payload = encodedRecords(three);
    const records = await decodeMessages(fetchedRecords([recordBatchBytes({ firstOffset: 0, records: three, codec: 5, payload })]));
    const detail = `codec 5 batch of ${payload.length} compressed bytes: a codec Kafka does not define (offsets 0..2)`;
    assert.deepEqual(records.map((record) => [record.offset, record.value, undecodable(record)?.detail]), [['0', null, detail], ['1', null, detail], ['2', null, detail]]);
  });

  it('gives undecodable records the batch\'s context and timestamp, so kafkajs still filters aborted transactions and control batches', async () => {
    const transactional = recordBatchBytes({ firstOffset: 0, records: three, codec: 'lz4', transactional: true, producerId: 42, firstTimestamp: 1_700_000_000_000 });
    const appended = recordBatchBytes({ firstOffset: 3, records: three, codec: 'lz4', logAppendTime: true, maxTimestamp: 1_700_000_000_777 });
    const control = recordBatchBytes({ firstOffset: 6, records: [{ offsetDelta: 0 }], codec: 'lz4', control: true, transactional: true, producerId: 42 });
    const records = await decodeMessages(fetchedRecords([transactional, appended, control]));
    assert.deepEqual(
      records.map((record) => [record.offset, record.timestamp, record.batchContext.producerId, record.batchContext.inTransaction, record.isControlRecord, record.magicByte]),
      [
        ['0', '1700000000000', '42', true, false, 2],
        ['1', '1700000000000', '42', true, false, 2],
        ['2', '1700000000000', '42', true, false, 2],
        ['3', '1700000000777', '-1', false, false, 2],
        ['4', '1700000000777', '-1', false, false, 2],
        ['5', '1700000000777', '-1', false, false, 2],
        ['6', '1700000000000', '42', true, true, 2],
      ],
    );
  });
});
