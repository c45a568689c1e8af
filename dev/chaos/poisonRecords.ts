import { goodRecord, recordValue, requestHeaders, type ChaosRecord } from './chaosRecord';

/** Above the relay's default INGEST_MAX_MESSAGE_BYTES (64 KiB), below the broker's 1 MiB. */
const oversizedPlainBytes = 100 * 1024;
/** Above the broker's 1 MiB as plain bytes, but a few KiB once gzip-compressed. */
const oversizedGzipBytes = 2 * 1024 * 1024;

type PoisonMaker = (key: string) => ChaosRecord;

function poison(key: string, value: Buffer | string | (() => Buffer), reason: string, headers: Record<string, string> = requestHeaders(key)): ChaosRecord {
  return { key, value: typeof value === 'string' ? Buffer.from(value) : value, headers, expect: 'poison', reason };
}

function validValueFor(key: string): Buffer {
  return recordValue(goodRecord(key, 0));
}

/** The kinds of bad record, taken in turn. Each must end as exactly one DLQ record. */
const poisonMakers: readonly PoisonMaker[] = [
  (key) => poison(key, `{"requestId":"${key}", this is not JSON`, 'not-json'),
  (key) => poison(key, JSON.stringify({ requestId: key }), 'schema-violation'),
  (key) => poison(key, JSON.stringify({ requestId: key, query: 'ok', maxSearches: 99 }), 'schema-violation'),
  (key) => poison(key, JSON.stringify({ requestId: `${key}-other`, query: 'Which key is mine?' }), 'key-mismatch'),
  (key) => poison(key, validValueFor(key), 'unsupported-specversion', { ...requestHeaders(key), ce_specversion: '0.3' }),
  (key) => poison(key, validValueFor(key), 'unsupported-type', { ...requestHeaders(key), ce_type: 'research.cancelled.v1' }),
  (key) => poison(key, JSON.stringify({ requestId: key, query: 'x'.repeat(oversizedPlainBytes) }), 'too-large'),
  (key) => ({ ...poison(key, () => Buffer.from(JSON.stringify({ requestId: key, query: 'z'.repeat(oversizedGzipBytes) })), 'too-large'), gzip: true }),
  // One character over the contract's 200-character limit for ids.
  (key) => {
    const id = `${key}-`.padEnd(201, 'L');
    return poison(id, JSON.stringify({ requestId: id, query: 'An id one character too long' }), 'schema-violation');
  },
];

/** `count` poison records keyed `<tag>-p<i>…`, cycling through every kind. */
export function poisonRecords(tag: string, count: number): ChaosRecord[] {
  return Array.from({ length: count }, (_, index) => {
    const make = poisonMakers[index % poisonMakers.length] as PoisonMaker;
    return make(`${tag}-p${index}`);
  });
}

/** How many kinds of poison there are (a scenario of this many poison records has one of each). */
export const poisonKinds = poisonMakers.length;
