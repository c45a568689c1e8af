import { Kafka, logLevel, type Producer } from 'kafkajs';
import { createSeededRandom, type SeededRandom } from '../standIn/seededRandom';
import { requestHeaders, type ChaosRecord } from './chaosRecord';
import { produceWithConsoleProducer, type ConsoleRecord } from './consoleProducer';

/**
 * Records a producer other than kafkajs writes — Apache Kafka's Java client, through its console
 * producer — that kafkajs 2.2.4 could not read or that the intake must refuse: null header
 * values, 20,000 headers, a gzip bomb, snappy and lz4 batches, lone surrogates, cancels on the
 * requests topic, keyless records, text that is not JSON, a request id reused for another
 * question. A few the console producer cannot write (bytes that are not UTF-8, timestamps of the
 * producer's choosing) come from kafkajs. Each says what it must become.
 */

/** One call of the console producer: its compression, and for the bomb the room to build it. */
export type ConsoleBatch = 'plain' | 'gzip-bomb' | 'snappy' | 'lz4' | 'zstd';

/** How a hostile record is sent. */
export type HostileSend =
  | { readonly via: 'console'; readonly batch: ConsoleBatch; readonly record: ConsoleRecord }
  /** What only kafkajs writes here: any bytes, and a timestamp `aheadMs` from the moment it is sent. */
  | { readonly via: 'kafkajs'; readonly key: string; readonly value: Buffer; readonly headers: Record<string, string>; readonly aheadMs: number };

export interface HostileRecord extends ChaosRecord {
  /** Which round of hostile records it belongs to (each round follows a share of the good requests). */
  readonly round: number;
  readonly send: HostileSend;
}

export function isHostile(record: ChaosRecord): record is HostileRecord {
  return 'send' in record;
}

/** Inflates to 20 MiB: past the relay's inflated-batch cap (16 MiB by default, 4 MiB in the scenario), a few KiB compressed. */
export const gzipBombBytes = 20 * 1024 * 1024;
const hour = 3_600_000;
/** Ahead of REQUEST_MAX_CLOCK_SKEW_MS (5 min), within what the broker takes (log.message.timestamp.after.max.ms, 1 h). */
const futureAheadMs = 0.5 * hour;
/** Older than the scenario's REQUEST_MAX_AGE_MS (1 day). */
const pastAgeMs = 72 * hour;

/** The good requests split into `rounds + 1` shares: share r is sent before hostile round r, the last one after every round. */
export function goodShares(good: readonly ChaosRecord[], rounds: number): ChaosRecord[][] {
  const size = Math.ceil(good.length / (rounds + 1));
  return Array.from({ length: rounds + 1 }, (_, index) => good.slice(index * size, (index + 1) * size));
}

/** The request JSON of a request id (valid: maxSearches 2, as the good ones). */
function requestJson(requestId: string, query = `Is ${requestId} read as it should be?`): string {
  return JSON.stringify({ requestId, query, maxSearches: 2, metadata: { suite: 'chaos' } });
}

/** A record of the console producer; `expect` and `reason` say what it must become. */
function viaConsole(key: string, batch: ConsoleBatch, record: ConsoleRecord, round: number, outcome: { reason: string; anonymous?: boolean } | 'good'): HostileRecord {
  const value = (): Buffer => (typeof record.value === 'string' ? Buffer.from(record.value) : record.value === null ? Buffer.alloc(0) : Buffer.from(record.value.repeat.repeat(record.value.times)));
  const headers = Object.fromEntries((record.headers ?? []).filter((header): header is readonly [string, string] => header[1] !== null));
  const expectation = outcome === 'good' ? { expect: 'good' as const } : { expect: 'poison' as const, reason: outcome.reason, ...(outcome.anonymous ? { anonymous: true } : {}) };
  return { key, value, headers, round, send: { via: 'console', batch, record }, ...expectation };
}

function viaKafkajs(key: string, value: Buffer, aheadMs: number, round: number, reason: string): HostileRecord {
  const headers = requestHeaders(key);
  return { key, value, headers, round, expect: 'poison', reason, send: { via: 'kafkajs', key, value, headers, aheadMs } };
}

/** The CloudEvents headers of a request as console-producer headers, a null value among them. */
function consoleHeaders(requestId: string, extra: readonly (readonly [string, string | null])[] = []): (readonly [string, string | null])[] {
  return [...Object.entries(requestHeaders(requestId)), ...extra];
}

/**
 * One round of hostile records, generated from the seed. `targets` are two good requests sent
 * before the round: one gets a cancel on the requests topic (taken from the cancel topic only),
 * the other its id reused for another question. Each record's key is its own, except those two
 * and the anonymous ones (keyless; in a batch the relay cannot read), whose letters carry no key.
 */
export function hostileRound(tag: string, round: number, targets: readonly [string, string], seed: string): HostileRecord[] {
  const random = createSeededRandom(`chaos-hostile:${seed}:${round}`);
  const id = (name: string): string => `${tag}-h${round}-${name}`;
  return [...javaRecords(id, round, targets, random), ...compressedBatches(id, round, random), ...kafkajsRecords(id, round)];
}

function javaRecords(id: (name: string) => string, round: number, targets: readonly [string, string], random: SeededRandom): HostileRecord[] {
  const [cancelled, reused] = targets;
  const notJson = random.pick(['{"requestId": "half', 'plain text, no braces', '', '{"requestId":"x",}', 'NaN']);
  const surrogateIn = random.pick(['query', 'metadata']);
  const surrogate = surrogateIn === 'query' ? `{"requestId":"${id('surrogate')}","query":"Is \\ud800 text?"}` : `{"requestId":"${id('surrogate')}","query":"q","metadata":{"team":"a\\udc00"}}`;
  const manyHeaders = Array.from({ length: 20_000 }, (_, index) => [`h${index % 50}`, `value-${index}`] as const);
  return [
    viaConsole(id('null-headers'), 'plain', { key: id('null-headers'), value: `not json ${random.int(0, 999)}`, headers: [['ce_type', null], ['x-tag', 'kept'], ['traceparent', null]] }, round, { reason: 'not-json' }),
    viaConsole(id('null-headers-good'), 'plain', { key: id('null-headers-good'), value: requestJson(id('null-headers-good')), headers: consoleHeaders(id('null-headers-good'), [['traceparent', null], ['x-empty', null]]) }, round, 'good'),
    viaConsole(id('many-headers'), 'plain', { key: id('many-headers'), value: requestJson(id('many-headers')), headers: manyHeaders }, round, { reason: 'headers-too-large' }),
    viaConsole(id('not-json'), 'plain', { key: id('not-json'), value: notJson, headers: consoleHeaders(id('not-json')) }, round, { reason: 'not-json' }),
    viaConsole(id('surrogate'), 'plain', { key: id('surrogate'), value: surrogate, headers: consoleHeaders(id('surrogate')) }, round, { reason: 'invalid-text' }),
    viaConsole(id('wrong-type'), 'plain', { key: id('wrong-type'), value: requestJson(id('wrong-type')), headers: [['ce_specversion', '1.0'], ['ce_type', 'research.requested.v9']] }, round, { reason: 'unsupported-type' }),
    viaConsole(cancelled, 'plain', { key: cancelled, value: JSON.stringify({ requestId: cancelled, reason: 'cancelled where cancels are not taken' }), headers: [['ce_specversion', '1.0'], ['ce_type', 'research.cancel.v1']] }, round, { reason: 'cancel-not-allowed' }),
    viaConsole(reused, 'plain', { key: reused, value: requestJson(reused, 'A different question under a used id?'), headers: consoleHeaders(reused) }, round, { reason: 'id-reused' }),
    ...Array.from({ length: random.int(1, 2) }, (_, index) =>
      viaConsole(id(`keyless-${index}`), 'plain', { key: null, value: requestJson(id(`keyless-${index}`)), headers: consoleHeaders(id(`keyless-${index}`)) }, round, { reason: 'missing-key', anonymous: true }),
    ),
  ];
}

/** A gzip bomb, and batches in codecs kafkajs cannot read (snappy, lz4: every offset dead-lettered) or now can (zstd: they run). */
function compressedBatches(id: (name: string) => string, round: number, random: SeededRandom): HostileRecord[] {
  const batch = (codec: 'snappy' | 'lz4' | 'zstd', count: number): HostileRecord[] =>
    Array.from({ length: count }, (_, index) => {
      const key = id(`${codec}-${index}`);
      return viaConsole(key, codec, { key, value: requestJson(key), headers: consoleHeaders(key) }, round, codec === 'zstd' ? 'good' : { reason: 'unsupported-compression', anonymous: true });
    });
  return [
    viaConsole(id('gzip-bomb'), 'gzip-bomb', { key: id('gzip-bomb'), value: { repeat: 'a', times: gzipBombBytes }, headers: consoleHeaders(id('gzip-bomb')) }, round, { reason: 'inflated-too-large', anonymous: true }),
    ...batch('snappy', random.int(1, 3)),
    ...batch('lz4', random.int(1, 3)),
    ...batch('zstd', random.int(1, 2)),
  ];
}

function kafkajsRecords(id: (name: string) => string, round: number): HostileRecord[] {
  const invalid = Buffer.concat([Buffer.from(`{"requestId":"${id('invalid-utf8')}","query":"What is `), Buffer.from([0xff, 0xfe]), Buffer.from('?"}')]);
  return [
    viaKafkajs(id('invalid-utf8'), invalid, 0, round, 'invalid-text'),
    viaKafkajs(id('future'), Buffer.from(requestJson(id('future'))), futureAheadMs, round, 'future-timestamp'),
    viaKafkajs(id('expired'), Buffer.from(requestJson(id('expired'))), -pastAgeMs, round, 'expired'),
  ];
}

/** The console producer's settings per batch: a bomb needs room for its 20 MiB (the broker only sees a few KiB). */
const consoleBatches: Readonly<Record<ConsoleBatch, { compression: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'; properties?: Record<string, number>; heap?: string }>> = {
  plain: { compression: 'none' },
  'gzip-bomb': { compression: 'gzip', properties: { 'max.request.size': 30_000_000, 'buffer.memory': 64_000_000 }, heap: '512m' },
  snappy: { compression: 'snappy' },
  lz4: { compression: 'lz4' },
  zstd: { compression: 'zstd' },
};

/**
 * Sends hostile records: each console batch with one run of the Java console producer (a
 * process of its own), the rest with a kafkajs producer of its own. Resolves once the broker
 * holds them all.
 */
export class HostileSender {
  /** Records the broker acknowledged, by client. */
  readonly sent = { console: 0, kafkajs: 0 };
  private readonly producer: Producer;

  constructor(
    private readonly brokers: readonly string[],
    private readonly topic: string,
  ) {
    this.producer = new Kafka({ clientId: 'chaos-hostile', brokers: [...brokers], logLevel: logLevel.NOTHING, retry: { retries: 5 } }).producer();
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }

  async send(records: readonly HostileRecord[]): Promise<void> {
    for (const batch of Object.keys(consoleBatches) as ConsoleBatch[]) {
      const lines = records.flatMap((record) => (record.send.via === 'console' && record.send.batch === batch ? [record.send.record] : []));
      if (lines.length === 0) continue;
      const { compression, properties, heap } = consoleBatches[batch];
      await produceWithConsoleProducer({ brokers: this.brokers, topic: this.topic, records: lines, compression, ...(properties ? { properties } : {}), ...(heap ? { heap } : {}) });
      this.sent.console += lines.length;
    }
    for (const record of records) {
      if (record.send.via !== 'kafkajs') continue;
      const { key, value, headers, aheadMs } = record.send;
      await this.producer.send({ topic: this.topic, acks: -1, messages: [{ key, value, headers, timestamp: String(Date.now() + aheadMs) }] });
      this.sent.kafkajs += 1;
    }
  }
}
