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
  deadLetteredAt: 'dlq.time',
} as const;

export const deadLetterHeadersSchema = z.object({
  [deadLetterHeaderNames.reason]: z.enum(['missing-key', 'too-large', 'not-json', 'schema-violation', 'key-mismatch', 'unsupported-type', 'start-rejected', 'expired']),
  [deadLetterHeaderNames.detail]: z.string(),
  [deadLetterHeaderNames.sourceTopic]: z.string(),
  [deadLetterHeaderNames.sourcePartition]: z.string().regex(/^\d+$/),
  [deadLetterHeaderNames.sourceOffset]: z.string().regex(/^\d+$/),
  [deadLetterHeaderNames.deadLetteredAt]: z.iso.datetime(),
});

export type DeadLetterHeaders = z.infer<typeof deadLetterHeadersSchema>;
export type DeadLetterReason = DeadLetterHeaders['dlq.reason'];
