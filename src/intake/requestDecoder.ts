import type { KafkaMessage } from 'kafkajs';
import type { z } from 'zod';
import { researchCancelSchema, researchCancelType, type ResearchCancel } from '../contracts/researchCancel';
import { researchRequestedSchema, researchRequestedType, type ResearchRequested } from '../contracts/researchRequested';
import { InvalidRequestError } from '../errors';
import { headerText } from '../kafka/messageHeaders';
import { undecodableRecordOf } from '../kafka/undecodableRecord';
import { headerFootprint } from './headerFootprint';
import { illFormedTextPath } from './wellFormedText';

export interface MessageLocation {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** What a record of the requests topic is: a research request, or a cancel of one. */
export type DecodedRecord = { readonly kind: 'request'; readonly request: ResearchRequested } | { readonly kind: 'cancel'; readonly cancel: ResearchCancel };

/** The bounds a record must keep to be read at all (INGEST_MAX_MESSAGE_BYTES, INGEST_MAX_HEADER_COUNT, INGEST_MAX_HEADER_BYTES). */
export interface RecordLimits {
  readonly maxMessageBytes: number;
  readonly maxHeaderCount: number;
  readonly maxHeaderBytes: number;
}

/** What a topic carries: requests (and, while migrating, cancels), or cancels only. */
export type IntakeTopicRole = 'requests' | 'cancels';

type Fail = (reason: InvalidRequestError['reason'], detail: string) => never;

/**
 * Turns a raw record of the requests topic into a validated request or cancel, or says exactly
 * why it is neither (an InvalidRequestError whose reason becomes the DLQ header). `ce_type`
 * tells them apart: research.cancel.v1 is a cancel; research.requested.v1 — or no `ce_type` at
 * all, as plain JSON producers send — is a request. Both need a key equal to their requestId.
 * On the cancel topic every record is a cancel: one without `ce_type` too, one of another type
 * is dead-lettered. Every bound is checked before the value is parsed, and the value must be
 * well-formed text.
 */
export function decodeRecord(message: KafkaMessage, location: MessageLocation, limits: RecordLimits, role: IntakeTopicRole = 'requests'): DecodedRecord {
  const fail: Fail = (reason, detail) => {
    throw new InvalidRequestError(reason, detail, location);
  };
  checkReadable(message, limits, fail);
  const key = message.key?.toString('utf8');
  if (!key) fail('missing-key', 'the record has no key; the key must be the requestId');
  const kind = recordKind(message, fail, role);
  const json = parsedValue(message.value, fail);
  if (kind === 'cancel') return { kind, cancel: keyed(researchCancelSchema, json, key, fail) };
  return { kind, request: keyed(researchRequestedSchema, json, key, fail) };
}

/** A batch kafkajs could not decode, headers past their caps, a value past its size: nothing of it is read. */
function checkReadable(message: KafkaMessage, limits: RecordLimits, fail: Fail): void {
  const undecodable = undecodableRecordOf(message);
  if (undecodable) fail(undecodable.reason, undecodable.detail);
  const headers = headerFootprint(message.headers);
  if (headers.count > limits.maxHeaderCount) fail('headers-too-large', `the record has ${headers.count} headers; the limit is ${limits.maxHeaderCount} (INGEST_MAX_HEADER_COUNT)`);
  if (headers.bytes > limits.maxHeaderBytes) fail('headers-too-large', `the record's headers take ${headers.bytes} bytes; the limit is ${limits.maxHeaderBytes} (INGEST_MAX_HEADER_BYTES)`);
  const size = message.value?.length ?? 0;
  if (size > limits.maxMessageBytes) fail('too-large', `the value is ${size} bytes; the limit is ${limits.maxMessageBytes} (INGEST_MAX_MESSAGE_BYTES)`);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The value as JSON: well-formed UTF-8, parseable, and no string in it with a lone surrogate. */
function parsedValue(value: Buffer | null, fail: Fail): unknown {
  let text = '';
  try {
    text = strictUtf8.decode(value ?? Buffer.alloc(0));
  } catch {
    fail('invalid-text', 'the value is not well-formed UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    fail('not-json', `the value is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const illFormed = illFormedTextPath(json);
  if (illFormed !== undefined) fail('invalid-text', `${illFormed.slice(0, 200) || '(root)'} holds a lone UTF-16 surrogate (not well-formed text)`);
  return json;
}

/** The event validated against its schema, whose requestId must be the record's key. */
function keyed<S extends z.ZodType<{ requestId: string }>>(schema: S, json: unknown, key: string | undefined, fail: Fail): z.infer<S> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    fail('schema-violation', issues.join('; '));
  }
  const event = parsed.data;
  if (event.requestId !== key) fail('key-mismatch', `the key "${key?.slice(0, 200)}" differs from requestId "${event.requestId}"`);
  return event;
}

/**
 * A record that carries CloudEvents headers (binary mode) must be a CloudEvent we read:
 * `ce_specversion` 1.0, and `ce_type` research.requested.v1 (the unversioned alias is still
 * taken) or research.cancel.v1. `ce_specversion` without `ce_type` is no CloudEvent. A record
 * without `ce_*` headers is read as a plain JSON request.
 */
function recordKind(message: KafkaMessage, fail: Fail, role: IntakeTopicRole): DecodedRecord['kind'] {
  const specversion = headerText(message.headers, 'ce_specversion');
  const type = headerText(message.headers, 'ce_type');
  if (specversion !== undefined && specversion !== '1.0') fail('unsupported-specversion', `ce_specversion "${specversion.slice(0, 20)}" is not 1.0`);
  if (role === 'cancels' && type === undefined) return 'cancel';
  if (specversion !== undefined && type === undefined) fail('unsupported-type', `a CloudEvent (ce_specversion ${specversion}) without ce_type; expected ${researchRequestedType} or ${researchCancelType}`);
  if (type === researchCancelType) return 'cancel';
  if (role === 'cancels') fail('unsupported-type', `ce_type "${type?.slice(0, 100)}" on the cancel topic; only ${researchCancelType} is read there`);
  if (type !== undefined && type !== researchRequestedType && type !== 'research.requested') {
    fail('unsupported-type', `ce_type "${type.slice(0, 100)}" is not ${researchRequestedType} or ${researchCancelType}`);
  }
  return 'request';
}
