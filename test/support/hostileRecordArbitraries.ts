import fc from 'fast-check';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { ConsoleRecord } from './consoleProducer';

/**
 * fast-check generators of records a producer can put on the intake topics — valid requests and
 * cancels, and everything near and far from them — as small descriptions (so a failing case
 * prints and shrinks readably), made into a KafkaMessage (as the consumer hands it to the intake)
 * or a ConsoleRecord (for the Java producer) only when a property runs.
 */

/** Where the record is sent: the requests topic or the cancel topic. */
export type TopicSpec = 'requests' | 'cancel';

/** The request id the record is about: a fresh one, one of a few shared ids (duplicates, reuse), or any text. */
export type IdSpec = { readonly fresh: true } | { readonly pool: number } | { readonly text: string };

/** The key: the request id, none, empty, text, bytes, or a long run of one character. */
export type KeySpec = 'request-id' | null | '' | { readonly text: string } | { readonly bytes: Uint8Array } | { readonly long: number };

export interface RequestFields {
  readonly query: string;
  readonly maxSearches?: number;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly requestedBy?: string;
  readonly submittedAt?: string;
}

export type NearValidMutation =
  | 'drop-query'
  | 'blank-query'
  | 'max-searches-99'
  | 'id-as-number'
  | 'truncated'
  | 'trailing-garbage'
  | 'as-array'
  | 'proto-key'
  | 'byte-order-mark'
  | 'repeated-id'
  | 'bad-submitted-at'
  | 'metadata-33-entries'
  | 'nested-metadata';

export type ValueSpec =
  | { readonly kind: 'request'; readonly fields: RequestFields }
  | { readonly kind: 'cancel'; readonly reason?: string; readonly requestedBy?: string }
  | { readonly kind: 'near-valid'; readonly fields: RequestFields; readonly mutation: NearValidMutation }
  /** A valid request whose query is padded so that the value is this many bytes. */
  | { readonly kind: 'padded'; readonly bytes: number }
  /** A lone UTF-16 surrogate: as JSON's `\ud800` escape (well-formed UTF-8), or as its CESU-8 bytes (not UTF-8). */
  | { readonly kind: 'lone-surrogate'; readonly where: 'query' | 'metadata-key' | 'metadata-value' | 'requestedBy'; readonly encoding: 'escape' | 'cesu-8' }
  /** A valid request with bytes that are not UTF-8 inside its query. */
  | { readonly kind: 'invalid-utf8'; readonly bytes: readonly number[] }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'nested'; readonly depth: number }
  | { readonly kind: 'null' };

/** A header value: text, bytes, or null (no value: the Java client and librdkafka send them). */
export type HeaderValueSpec = string | Uint8Array | null;

/** A CloudEvents attribute: absent, present with a null value, or text; a pair is the same name sent twice. */
export type AttributeSpec = undefined | null | string | readonly [string | null, string | null];

export interface HeadersSpec {
  readonly ceType: AttributeSpec;
  readonly ceSpecversion: AttributeSpec;
  readonly traceparent: AttributeSpec;
  readonly extra: readonly (readonly [name: string, value: HeaderValueSpec])[];
  /** Many headers: `count` of them, under one name or under names of their own, each `valueBytes` long. */
  readonly many?: { readonly count: number; readonly oneName: boolean; readonly valueBytes: number };
  /** One header with a value this many bytes long. */
  readonly huge?: number;
}

export interface RecordSpec {
  readonly topic: TopicSpec;
  readonly id: IdSpec;
  readonly key: KeySpec;
  readonly value: ValueSpec;
  readonly headers: HeadersSpec;
  /** The record's timestamp, in ms from the moment it is made (negative: in the past); or Kafka's "none", -1. */
  readonly stampMs: number | 'none';
}

const day = 86_400_000;
const requestedType = 'research.requested.v1';
const cancelType = 'research.cancel.v1';
export const validTraceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** Names that mean something to the relay or to JavaScript, and names that mean nothing. */
const headerName = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('ce_id', 'ce_source', 'traceparent', 'tracestate', 'x-tag', '') },
  { weight: 1, arbitrary: fc.constantFrom('ce_type', 'ce_specversion') },
  { weight: 2, arbitrary: fc.constantFrom('dlq.reason', 'dlq.detail', 'dlq.value.omitted', 'dlq.value.size', 'dlq.value.sha256', 'dlq.headers.dropped', 'dlq.source.offset') },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty') },
  { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12, unit: 'binary' }) },
);

const headerValue: fc.Arbitrary<HeaderValueSpec> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('too-large-for-the-dlq', '12', 'not-a-number', 'a'.repeat(64), 'schema-violation') },
);

/** A CloudEvents attribute: mostly absent or valid, sometimes null, odd, any text, or sent twice. */
function attribute(valid: readonly string[], odd: readonly string[], absentWeight = 8): fc.Arbitrary<AttributeSpec> {
  const text = fc.oneof(fc.constantFrom(...valid, ...odd), fc.string({ maxLength: 30 }));
  return fc.oneof(
    { weight: absentWeight, arbitrary: fc.constant(undefined) },
    { weight: 8, arbitrary: fc.constantFrom(...valid) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.constantFrom(...odd) },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 1, arbitrary: fc.tuple(fc.option(text, { nil: null }), fc.option(text, { nil: null })) },
  );
}

/** Rare: most records carry a few headers, some very many or one very large. */
function rarely<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
}

export const headersArbitrary: fc.Arbitrary<HeadersSpec> = fc.record({
  ceType: attribute([requestedType, 'research.requested'], [cancelType, 'research.requested.v2', '']),
  // Mostly absent: ce_specversion without ce_type is no CloudEvent (unsupported-type), common enough without help.
  ceSpecversion: attribute(['1.0'], ['0.3', '', '1.0 '], 24),
  traceparent: attribute([validTraceparent], ['00-00000000000000000000000000000000-0000000000000000-01', 'garbage']),
  extra: fc.array(fc.tuple(headerName, headerValue), { maxLength: 6 }),
  many: rarely(fc.record({ count: fc.oneof(fc.integer({ min: 90, max: 110 }), fc.integer({ min: 111, max: 5000 })), oneName: fc.boolean(), valueBytes: fc.integer({ min: 0, max: 40 }) })),
  huge: rarely(fc.integer({ min: 1000, max: 40_000 })),
});

const tenant = fc.oneof(fc.constantFrom('energy', 'ml', ''), fc.string({ maxLength: 80, unit: 'grapheme' }), fc.constant('🙂'.repeat(20)), fc.constant('a'.repeat(63) + '🙂'));

/** Valid fields mostly (a valid request must be common); near-valid values come from the mutations. */
export const requestFieldsArbitrary: fc.Arbitrary<RequestFields> = fc.record(
  {
    query: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('What is Kafka?', 'How do heat pumps work?') }, { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 80, unit: 'grapheme' }) }),
    maxSearches: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 20 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 21, 2.5) }),
    metadata: fc.oneof(fc.record({ team: tenant }), fc.dictionary(fc.string({ minLength: 1, maxLength: 64 }), fc.string({ maxLength: 40 }), { maxKeys: 4 })),
    requestedBy: fc.string({ minLength: 1, maxLength: 30 }),
    submittedAt: fc.oneof(fc.constant('2026-01-01T00:00:00Z'), fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((date) => date.toISOString())),
  },
  { requiredKeys: ['query'] },
);

const nearValidMutation = fc.constantFrom<NearValidMutation>(
  'drop-query', 'blank-query', 'max-searches-99', 'id-as-number', 'truncated', 'trailing-garbage', 'as-array', 'proto-key', 'byte-order-mark', 'repeated-id', 'bad-submitted-at', 'metadata-33-entries', 'nested-metadata',
);

/** The values, with `maxMessageBytes` the intake's INGEST_MAX_MESSAGE_BYTES (padded values reach a few KB past it). */
export function valueArbitrary(maxMessageBytes: number): fc.Arbitrary<ValueSpec> {
  return fc.oneof(
    { weight: 12, arbitrary: requestFieldsArbitrary.map((fields) => ({ kind: 'request', fields }) as const) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel'), reason: fc.string({ maxLength: 20 }), requestedBy: fc.string({ maxLength: 10 }) }, { requiredKeys: ['kind'] }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('near-valid'), fields: requestFieldsArbitrary, mutation: nearValidMutation }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('padded'), bytes: fc.integer({ min: maxMessageBytes - 200, max: maxMessageBytes + 3000 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('lone-surrogate'), where: fc.constantFrom('query', 'metadata-key', 'metadata-value', 'requestedBy'), encoding: fc.constantFrom('escape', 'cesu-8') }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('invalid-utf8'), bytes: fc.constantFrom([0xff], [0xc0, 0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xed, 0xbf, 0xbf]) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('bytes'), bytes: fc.uint8Array({ maxLength: 120 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('text'), text: fc.string({ maxLength: 60, unit: 'grapheme' }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('nested'), depth: fc.integer({ min: 1, max: 2000 }) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'null' } as const) },
  );
}

const keyArbitrary: fc.Arbitrary<KeySpec> = fc.oneof(
  { weight: 12, arbitrary: fc.constant('request-id' as const) },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constant('' as const) },
  { weight: 1, arbitrary: fc.record({ text: fc.string({ maxLength: 30 }) }) },
  { weight: 1, arbitrary: fc.record({ bytes: fc.uint8Array({ maxLength: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ long: fc.integer({ min: 201, max: 6000 }) }) },
);

const idArbitrary: fc.Arbitrary<IdSpec> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ fresh: true } as const) },
  { weight: 3, arbitrary: fc.record({ pool: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ text: fc.oneof(fc.stringMatching(/^[A-Za-z0-9._:-]{1,200}$/), fc.string({ maxLength: 30 }), fc.constant('x'.repeat(201))) }) },
);

const stampArbitrary: fc.Arbitrary<number | 'none'> = fc.oneof(
  { weight: 8, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.integer({ min: -600_000, max: 600_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: -400 * day, max: 400 * day }) },
  { weight: 1, arbitrary: fc.constant('none' as const) },
);

/** Any record on either intake topic. */
export function recordArbitrary(maxMessageBytes: number): fc.Arbitrary<RecordSpec> {
  return fc.record({
    topic: fc.oneof({ weight: 4, arbitrary: fc.constant('requests' as const) }, { weight: 1, arbitrary: fc.constant('cancel' as const) }),
    id: idArbitrary,
    key: keyArbitrary,
    value: valueArbitrary(maxMessageBytes),
    headers: headersArbitrary,
    stampMs: stampArbitrary,
  });
}

/** What a spec is made into: the record's parts, and the request id it names. */
export interface MadeRecord {
  readonly requestId: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** In order, a name possibly more than once, as on the wire. */
  readonly headers: readonly (readonly [string, Buffer | null])[];
  readonly timestamp: string;
}

/** Makes the parts of a record; `fresh` names a request id never used before. */
export function makeRecord(spec: RecordSpec, ids: { readonly fresh: () => string; readonly pool: (index: number) => string }): MadeRecord {
  const requestId = 'fresh' in spec.id ? ids.fresh() : 'pool' in spec.id ? ids.pool(spec.id.pool) : spec.id.text;
  return {
    requestId,
    key: keyBytes(spec.key, requestId),
    value: valueBytes(spec.value, requestId),
    headers: headerEntries(spec.headers, spec.value.kind === 'cancel'),
    timestamp: spec.stampMs === 'none' ? '-1' : String(Date.now() + spec.stampMs),
  };
}

/** The record as kafkajs's consumer hands it over: header values Buffers (or null), a repeated name's in an array. */
export function asKafkaMessage(made: MadeRecord, offset: string): KafkaMessage {
  return { key: made.key, value: made.value, timestamp: made.timestamp, attributes: 0, offset, headers: headerObject(made.headers) };
}

/** Headers as an object, a repeated name's values in an array; every name an own property (`__proto__` too), as the decoder makes them. */
export function headerObject(entries: readonly (readonly [string, Buffer | null])[]): IHeaders {
  const headers: Record<string, Buffer | null | (Buffer | null)[]> = {};
  for (const [name, value] of entries) {
    const earlier = Object.hasOwn(headers, name) ? headers[name] : undefined;
    const next = earlier === undefined ? value : Array.isArray(earlier) ? [...earlier, value] : [earlier, value];
    Object.defineProperty(headers, name, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return headers as IHeaders;
}

/**
 * The record for the Java console producer: text only, so bytes are read as UTF-8 (what is not
 * UTF-8 becomes U+FFFD) and the characters that separate its fields are replaced.
 */
export function asConsoleRecord(made: MadeRecord): ConsoleRecord {
  const text = (bytes: Buffer): string => bytes.toString('utf8').replace(/[\n\r\u0018\u001c-\u001f]/g, '?');
  return {
    key: made.key === null ? null : text(made.key),
    value: made.value === null ? null : text(made.value),
    headers: made.headers.map(([name, value]) => [text(Buffer.from(name)), value === null ? null : text(value)] as const),
  };
}

function keyBytes(key: KeySpec, requestId: string): Buffer | null {
  if (key === null) return null;
  if (key === '') return Buffer.alloc(0);
  if (key === 'request-id') return Buffer.from(requestId);
  if ('text' in key) return Buffer.from(key.text);
  if ('bytes' in key) return Buffer.from(key.bytes);
  return Buffer.from('k'.repeat(key.long));
}

/** Stands for a spot in JSON text that is then replaced by raw bytes or an escape JSON.stringify never writes. */
const marker = '\u0001spot\u0001';
const escapedMarker = JSON.stringify(marker).slice(1, -1);

function withSpot(json: string, spot: Buffer | string): Buffer {
  const [before = '', after = ''] = json.split(escapedMarker);
  return Buffer.concat([Buffer.from(before), typeof spot === 'string' ? Buffer.from(spot) : spot, Buffer.from(after)]);
}

function request(requestId: string, fields: RequestFields): Record<string, unknown> {
  return { requestId, ...fields };
}

function valueBytes(value: ValueSpec, requestId: string): Buffer | null {
  switch (value.kind) {
    case 'request':
      return Buffer.from(JSON.stringify(request(requestId, value.fields)));
    case 'cancel':
      return Buffer.from(JSON.stringify({ requestId, ...(value.reason !== undefined ? { reason: value.reason } : {}), ...(value.requestedBy !== undefined ? { requestedBy: value.requestedBy } : {}) }));
    case 'near-valid':
      return nearValid(request(requestId, value.fields), value.mutation);
    case 'padded': {
      const bare = Buffer.byteLength(JSON.stringify({ requestId, query: '' }));
      return Buffer.from(JSON.stringify({ requestId, query: 'p'.repeat(Math.max(1, value.bytes - bare)) }));
    }
    case 'lone-surrogate':
      return loneSurrogate(requestId, value.where, value.encoding);
    case 'invalid-utf8':
      return withSpot(JSON.stringify({ requestId, query: `What is ${marker} in bytes?` }), Buffer.from(value.bytes));
    case 'bytes':
      return Buffer.from(value.bytes);
    case 'text':
      return Buffer.from(value.text);
    case 'nested':
      return Buffer.from(`${'['.repeat(value.depth)}${']'.repeat(value.depth)}`);
    case 'null':
      return null;
  }
}

function loneSurrogate(requestId: string, where: 'query' | 'metadata-key' | 'metadata-value' | 'requestedBy', encoding: 'escape' | 'cesu-8'): Buffer {
  const fields: Record<string, unknown> = { requestId, query: 'Is this text?' };
  if (where === 'query') fields.query = `Is ${marker} text?`;
  if (where === 'metadata-key') fields.metadata = { [`team${marker}`]: 'a' };
  if (where === 'metadata-value') fields.metadata = { team: `a${marker}` };
  if (where === 'requestedBy') fields.requestedBy = `user${marker}`;
  return withSpot(JSON.stringify(fields), encoding === 'escape' ? '\\ud800' : Buffer.from([0xed, 0xa0, 0x80]));
}

function nearValid(fields: Record<string, unknown>, mutation: NearValidMutation): Buffer {
  const json = JSON.stringify(fields);
  switch (mutation) {
    case 'drop-query':
      return Buffer.from(JSON.stringify({ ...fields, query: undefined }));
    case 'blank-query':
      return Buffer.from(JSON.stringify({ ...fields, query: ' \t ' }));
    case 'max-searches-99':
      return Buffer.from(JSON.stringify({ ...fields, maxSearches: 99 }));
    case 'id-as-number':
      return Buffer.from(JSON.stringify({ ...fields, requestId: 12345 }));
    case 'truncated':
      return Buffer.from(json.slice(0, Math.floor(json.length / 2)));
    case 'trailing-garbage':
      return Buffer.from(`${json} trailing`);
    case 'as-array':
      return Buffer.from(`[${json}]`);
    case 'proto-key':
      return Buffer.from(`{"__proto__":{"requestId":"proto","query":"polluted?"},${json.slice(1)}`);
    case 'byte-order-mark':
      return Buffer.from(`\ufeff${json}`);
    case 'repeated-id':
      return Buffer.from(`{"requestId":"someone-else",${json.slice(1)}`);
    case 'bad-submitted-at':
      return Buffer.from(JSON.stringify({ ...fields, submittedAt: '2026-13-45T99:00:00Z' }));
    case 'metadata-33-entries':
      return Buffer.from(JSON.stringify({ ...fields, metadata: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) }));
    case 'nested-metadata':
      return Buffer.from(JSON.stringify({ ...fields, metadata: { team: { nested: ['a'] } } }));
  }
}

function attributeEntries(name: string, spec: AttributeSpec): (readonly [string, Buffer | null])[] {
  if (spec === undefined) return [];
  const one = (value: string | null): readonly [string, Buffer | null] => [name, value === null ? null : Buffer.from(value)];
  if (Array.isArray(spec)) return spec.map((value: string | null) => one(value));
  return [one(spec as string | null)];
}

function headerEntries(spec: HeadersSpec, isCancel: boolean): (readonly [string, Buffer | null])[] {
  // A cancel's value goes with the cancel type where the generated ce_type is a valid request type.
  const ceType = isCancel && (spec.ceType === requestedType || spec.ceType === 'research.requested') ? cancelType : spec.ceType;
  const entries = [...attributeEntries('ce_specversion', spec.ceSpecversion), ...attributeEntries('ce_type', ceType), ...attributeEntries('traceparent', spec.traceparent)];
  for (const [name, value] of spec.extra) entries.push([name, value === null ? null : Buffer.from(value)]);
  if (spec.many) {
    const { count, oneName, valueBytes } = spec.many;
    for (let i = 0; i < count; i += 1) entries.push([oneName ? 'h' : `h${i}`, Buffer.alloc(valueBytes, 'v')]);
  }
  if (spec.huge !== undefined) entries.push(['x-huge', Buffer.alloc(spec.huge, 'h')]);
  return entries;
}

/** How many header entries and bytes (names and values) a record carries: what INGEST_MAX_HEADER_COUNT and _BYTES bound. */
export function headerSize(made: MadeRecord): { readonly count: number; readonly bytes: number } {
  return { count: made.headers.length, bytes: made.headers.reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + (value?.length ?? 0), 0) };
}
