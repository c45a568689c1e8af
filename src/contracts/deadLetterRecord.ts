import { z } from 'zod';

/**
 * A dead-lettered request on `research.requested.dlq`: the original key, value bytes and
 * headers unchanged, plus these headers. `dlq redrive` takes a letter through the intake path
 * again (after a fix) and starts its run.
 *
 * @example
 * const reason = message.headers?.[deadLetterHeaderNames.reason]?.toString(); // e.g. 'not-json'
 */
export const deadLetterHeaderNames = {
  reason: 'dlq.reason',
  detail: 'dlq.detail',
  sourceTopic: 'dlq.source.topic',
  sourcePartition: 'dlq.source.partition',
  sourceOffset: 'dlq.source.offset',
  /** The original record's timestamp (ms since the epoch); the letter itself is stamped by the broker. */
  sourceTimestamp: 'dlq.source.timestamp',
  deadLetteredAt: 'dlq.time',
  /** Set when the letter could not hold the original value (larger than the DLQ accepts). */
  valueOmitted: 'dlq.value.omitted',
  /** The original value's size in bytes and SHA-256 (hex), when the value was omitted. */
  valueSize: 'dlq.value.size',
  valueSha256: 'dlq.value.sha256',
  /** Names of original headers the letter leaves out: null values (not encodable), or all of them where they were the problem. */
  droppedHeaders: 'dlq.headers.dropped',
} as const;

/**
 * Why a record was dead-lettered. Each is the record's own fault and never succeeds on retry.
 *
 * @example
 * deadLetterReasons.includes('not-json'); // true
 */
export const deadLetterReasons = [
  'missing-key',
  'too-large',
  'not-json',
  'invalid-text',
  'schema-violation',
  'key-mismatch',
  'unsupported-type',
  'unsupported-specversion',
  'headers-too-large',
  'inflated-too-large',
  'unsupported-compression',
  'corrupt-batch',
  'start-rejected',
  'expired',
  'future-timestamp',
  'id-reused',
  'cancel-not-allowed',
  'cancel-refused',
  'cancel-unmatched',
] as const;

export const deadLetterHeadersSchema = z.object({
  [deadLetterHeaderNames.reason]: z.enum(deadLetterReasons),
  [deadLetterHeaderNames.detail]: z.string(),
  [deadLetterHeaderNames.sourceTopic]: z.string(),
  [deadLetterHeaderNames.sourcePartition]: z.string().regex(/^\d+$/),
  [deadLetterHeaderNames.sourceOffset]: z.string().regex(/^\d+$/),
  [deadLetterHeaderNames.sourceTimestamp]: z.string().regex(/^-?\d+$/).optional(),
  [deadLetterHeaderNames.deadLetteredAt]: z.iso.datetime(),
  [deadLetterHeaderNames.valueOmitted]: z.literal('too-large-for-the-dlq').optional(),
  [deadLetterHeaderNames.valueSize]: z.string().regex(/^\d+$/).optional(),
  [deadLetterHeaderNames.valueSha256]: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  [deadLetterHeaderNames.droppedHeaders]: z.string().optional(),
});

export type DeadLetterHeaders = z.infer<typeof deadLetterHeadersSchema>;
export type DeadLetterReason = DeadLetterHeaders['dlq.reason'];
