import type { KafkaMessage } from 'kafkajs';
import { researchRequestedSchema, researchRequestedType, type ResearchRequested } from '../contracts/researchRequested';
import { InvalidRequestError } from '../errors';
import { headerText } from '../kafka/messageHeaders';

export interface MessageLocation {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/**
 * Turns a raw `research.requested` record into a validated request, or says exactly why it
 * cannot be one (an InvalidRequestError whose reason becomes the DLQ header).
 */
export function decodeRequest(message: KafkaMessage, location: MessageLocation, maxBytes: number): ResearchRequested {
  const fail = (reason: InvalidRequestError['reason'], detail: string): never => {
    throw new InvalidRequestError(reason, detail, location);
  };
  const key = message.key?.toString('utf8');
  if (!key) fail('missing-key', 'the record has no key; the key must be the requestId');
  const size = message.value?.length ?? 0;
  if (size > maxBytes) fail('too-large', `the value is ${size} bytes; the limit is ${maxBytes} (INGEST_MAX_MESSAGE_BYTES)`);
  checkCloudEventHeaders(message, fail);
  let json: unknown;
  try {
    json = JSON.parse(message.value?.toString('utf8') ?? '');
  } catch (error) {
    fail('not-json', `the value is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = researchRequestedSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    fail('schema-violation', issues.join('; '));
  }
  const request = parsed.data as ResearchRequested;
  if (request.requestId !== key) fail('key-mismatch', `the key "${key?.slice(0, 200)}" differs from requestId "${request.requestId}"`);
  return request;
}

/**
 * A record that carries CloudEvents headers (binary mode) must be a CloudEvent we read:
 * `ce_specversion` 1.0, and `ce_type` research.requested.v1 (the unversioned alias is still
 * taken). `ce_specversion` without `ce_type` is no CloudEvent. A record without `ce_*`
 * headers is read as a plain JSON request.
 */
function checkCloudEventHeaders(message: KafkaMessage, fail: (reason: InvalidRequestError['reason'], detail: string) => never): void {
  const specversion = headerText(message.headers, 'ce_specversion');
  const type = headerText(message.headers, 'ce_type');
  if (specversion !== undefined && specversion !== '1.0') fail('unsupported-specversion', `ce_specversion "${specversion.slice(0, 20)}" is not 1.0`);
  if (specversion !== undefined && type === undefined) fail('unsupported-type', `a CloudEvent (ce_specversion ${specversion}) without ce_type; expected ${researchRequestedType}`);
  if (type !== undefined && type !== researchRequestedType && type !== 'research.requested') {
    fail('unsupported-type', `ce_type "${type.slice(0, 100)}" is not ${researchRequestedType}`);
  }
}
