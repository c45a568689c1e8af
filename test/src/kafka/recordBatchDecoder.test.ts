import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import type { Admin, Consumer, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { recordBatchDecoderInstalled } from '../../../src/kafka/kafkajsDecoderPatch';
import { kafkajsModulePaths, type ProtocolReader } from '../../../src/kafka/kafkajsProtocolInternals';
import { ensureTopics } from '../../../src/kafka/topicProvisioner';
import { undecodableRecordOf } from '../../../src/kafka/undecodableRecord';
import { produceWithConsoleProducer, type ConsoleProduceOptions } from '../../support/consoleProducer';
import { fetchedRecords, recordBatchBytes } from '../../support/recordBatchBytes';
import { eventually, testConfig, testKafka, uniqueName } from '../../support/testInfrastructure';

const sessionTimeout = 10_000;
const waitMs = 60_000;

/** A consumer of one topic that keeps what reaches eachBatch, as kafkajs hands it over. */
class BatchRecorder {
  readonly messages: KafkaMessage[] = [];
  joins = 0;
  crashes: unknown[] = [];

  private constructor(private readonly consumer: Consumer) {
    consumer.on(consumer.events.GROUP_JOIN, () => (this.joins += 1));
    consumer.on(consumer.events.CRASH, (event) => this.crashes.push(event.payload.error));
  }

  /** Runs `test` with a recorder of the topic, stopped after it (and by the file's teardown). */
  static async reading<T>(kafka: Kafka, topic: string, test: (recorder: BatchRecorder) => Promise<T>): Promise<T> {
    const recorder = new BatchRecorder(kafka.consumer({ groupId: uniqueName('decoder'), sessionTimeout, heartbeatInterval: 1000, maxWaitTimeInMs: 200 }));
    running.add(recorder);
    try {
      await recorder.consumer.connect();
      await recorder.consumer.subscribe({ topics: [topic], fromBeginning: true });
      await recorder.consumer.run({
        eachBatch: ({ batch }) => {
          recorder.messages.push(...batch.messages);
          return Promise.resolve();
        },
      });
      return await test(recorder);
    } finally {
      // A consumer stuck on a record must not slow the tests after this one.
      await recorder.stop();
    }
  }

  async waitFor(count: number): Promise<KafkaMessage[]> {
    return eventually(() => (this.messages.length >= count ? this.messages : undefined), waitMs, `${count} records (have ${this.messages.length})`);
  }

  async stop(): Promise<void> {
    running.delete(this);
    await this.consumer.disconnect();
  }
}

const running = new Set<BatchRecorder>();
/** A Buffer as text; a long one (kafkajs's inflated bomb) by its size, to keep failures readable. */
const text = (value: unknown): unknown => (Buffer.isBuffer(value) ? (value.length > 200 ? `${value.length} bytes` : value.toString()) : value);
const headerTexts = (headers: IHeaders | undefined, name: string): unknown => {
  const value = headers?.[name] as unknown;
  return Array.isArray(value) ? value.map(text) : text(value);
};

describe('records of real (Java) producers that kafkajs 2.2.4 could not read, consumed through createKafka', { timeout: 600_000 }, () => {
  const topics = { headers: uniqueName('decoder-headers'), nulls: uniqueName('decoder-nulls'), codecs: uniqueName('decoder-codecs'), bomb: uniqueName('decoder-bomb') };
  const brokers = testConfig().kafka.brokers;
  let kafka: Kafka;
  let admin: Admin | undefined;

  const produce = (topic: string, options: Omit<ConsoleProduceOptions, 'brokers' | 'topic'>): Promise<void> => produceWithConsoleProducer({ brokers, topic, ...options });

  before(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, Object.values(topics), 1);
  });
  after(async () => {
    await Promise.allSettled([...running].map((recorder) => recorder.stop()));
    await admin?.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin?.disconnect();
  });

  it('reads fetches with our decoder: kafkajs\'s module cache holds it, and the decodeMessages kafkajs fetches with reads an lz4 batch through it', async () => {
    assert.ok(recordBatchDecoderInstalled(), 'createKafka did not install the record batch decoder');
    const decodeMessages = createRequire(__filename)(kafkajsModulePaths.decodeMessages) as (reader: ProtocolReader) => Promise<KafkaMessage[]>;
    const lz4 = recordBatchBytes({ firstOffset: 0, records: [{ offsetDelta: 0, key: 'k', value: 'v' }], codec: 'lz4' });
    const [record] = await decodeMessages(fetchedRecords([lz4]));
    assert.equal(record && undecodableRecordOf(record)?.reason, 'unsupported-compression');
  });

  it('delivers a record with 20,000 headers (19,000 names, 1,000 of them twice) whole, and the member stays in its group', async () => {
    // kafkajs's own decoder copies the headers object once per header: on this record it blocked
    // the event loop for about a minute, heartbeats stopped and the group dropped the member.
    const name = (i: number): string => `h${i < 19_000 ? i : i - 19_000}`;
    const headers = Array.from({ length: 20_000 }, (_, i) => [name(i), `v${i}`] as const);
    await produce(topics.headers, { records: [{ key: 'many', value: 'headers', headers }] });
    const stalls = monitorEventLoopDelay({ resolution: 20 });
    stalls.enable();
    const { message, joins } = await BatchRecorder.reading(kafka, topics.headers, async (recorder) => ({ message: (await recorder.waitFor(1))[0], joins: recorder.joins }));
    stalls.disable();
    const received = message?.headers ?? {};
    assert.equal(Object.keys(received).length, 19_000);
    assert.equal(Object.values(received).flat().length, 20_000);
    for (let i = 0; i < 19_000; i += 1) assert.deepEqual(headerTexts(received, `h${i}`), i < 1000 ? [`v${i}`, `v${i + 19_000}`] : `v${i}`);
    assert.ok(stalls.max / 1e6 < sessionTimeout, `the event loop stalled for ${Math.round(stalls.max / 1e6)} ms`);
    assert.equal(joins, 1);
  });

  it('delivers null header values as null, also under names kafkajs mistook for its own (constructor, __proto__)', async () => {
    const headers = [['trace', null], ['tag', 'a'], ['tag', null], ['constructor', null], ['__proto__', null], ['toString', 'shown']] as const;
    await produce(topics.nulls, { records: [{ key: 'k', value: 'v', headers }] });
    const [message] = await BatchRecorder.reading(kafka, topics.nulls, (recorder) => recorder.waitFor(1));
    const received = message?.headers ?? {};
    const own = (name: string): unknown => headerTexts({ value: Object.getOwnPropertyDescriptor(received, name)?.value as IHeaders[string] }, 'value');
    assert.equal(Object.getPrototypeOf(received), Object.prototype);
    assert.deepEqual(Object.keys(received), ['trace', 'tag', 'constructor', '__proto__', 'toString']);
    assert.deepEqual(Object.keys(received).map(own), [null, ['a', null], null, null, 'shown']);
  });

  it('reads zstd batches, turns snappy and lz4 batches into undecodable records at their offsets, and goes on to the next record', async () => {
    const lingering = { 'linger.ms': 1000 };
    await produce(topics.codecs, { compression: 'zstd', properties: lingering, records: [0, 1, 2].map((i) => ({ key: `z${i}`, value: `zstd ${i}`, headers: [['n', null]] })) });
    await produce(topics.codecs, { compression: 'snappy', properties: lingering, records: [{ key: 's0', value: 'snappy 0' }, { key: 's1', value: 'snappy 1' }] });
    await produce(topics.codecs, { compression: 'lz4', properties: lingering, records: [{ key: 'l0', value: 'lz4 0' }, { key: 'l1', value: 'lz4 1' }] });
    await produce(topics.codecs, { records: [{ key: 'after', value: 'uncompressed' }] });
    const { messages, crashes } = await BatchRecorder.reading(kafka, topics.codecs, async (recorder) => ({ messages: await recorder.waitFor(8), crashes: recorder.crashes }));
    assert.deepEqual(
      messages.map((message) => [message.offset, text(message.key), text(message.value), undecodableRecordOf(message)?.reason]),
      [
        ['0', 'z0', 'zstd 0', undefined],
        ['1', 'z1', 'zstd 1', undefined],
        ['2', 'z2', 'zstd 2', undefined],
        ['3', null, null, 'unsupported-compression'],
        ['4', null, null, 'unsupported-compression'],
        ['5', null, null, 'unsupported-compression'],
        ['6', null, null, 'unsupported-compression'],
        ['7', 'after', 'uncompressed', undefined],
      ],
    );
    assert.equal(messages[0]?.headers?.n, null);
    assert.match(undecodableRecordOf(messages[3] as KafkaMessage)?.detail ?? '', /^snappy batch of \d+ compressed bytes: no snappy codec registered in kafkajs's CompressionCodecs \(offsets 3\.\.4\)$/);
    assert.match(undecodableRecordOf(messages[6] as KafkaMessage)?.detail ?? '', /^lz4 batch of \d+ compressed bytes: no lz4 codec registered in kafkajs's CompressionCodecs \(offsets 5\.\.6\)$/);
    assert.deepEqual(crashes, []);
  });

  it('turns a gzip bomb (64 MiB of one letter) into an undecodable record without inflating it past the limit, and reads gzip batches under it', async () => {
    await produce(topics.bomb, { compression: 'gzip', properties: { 'linger.ms': 1000 }, records: [{ key: 'g0', value: 'gzip 0' }, { key: 'g1', value: 'gzip 1' }] });
    const bomb = { repeat: 'a', times: 64 * 1024 * 1024 };
    await produce(topics.bomb, { compression: 'gzip', heap: '1g', properties: { 'max.request.size': 70_000_000, 'buffer.memory': 160_000_000 }, records: [{ key: 'bomb', value: bomb }] });
    await produce(topics.bomb, { records: [{ key: 'after', value: 'the bomb' }] });
    const { messages, crashes } = await BatchRecorder.reading(kafka, topics.bomb, async (recorder) => ({ messages: await recorder.waitFor(4), crashes: recorder.crashes }));
    assert.deepEqual(
      messages.map((message) => [message.offset, text(message.key), text(message.value), undecodableRecordOf(message)?.reason]),
      [
        ['0', 'g0', 'gzip 0', undefined],
        ['1', 'g1', 'gzip 1', undefined],
        ['2', null, null, 'inflated-too-large'],
        ['3', 'after', 'the bomb', undefined],
      ],
    );
    // The limit stopped the inflating (16 MiB by default): the 64 MiB were never in this process.
    assert.match(undecodableRecordOf(messages[2] as KafkaMessage)?.detail ?? '', /^gzip batch of \d+ compressed bytes inflates past the limit of 16777216 bytes \(offsets 2\.\.2\)$/);
    assert.deepEqual(crashes, []);
  });
});
