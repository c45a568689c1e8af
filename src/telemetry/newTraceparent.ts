import { randomBytes } from 'node:crypto';

/** A new W3C traceparent: a fresh, sampled trace (used where no tracing SDK provides one). */
export function newTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}
