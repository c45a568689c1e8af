import { createHash } from 'node:crypto';
import type { ResearchRequested } from '../contracts/researchRequested';

/** The memo field of a run that holds its request's digest. */
export const requestDigestMemoField = 'requestDigest';

/**
 * `v1:` and the SHA-256 (hex) of what a request asks: every field but `submittedAt` (a producer's retry may
 * stamp a new time on the same question), in a canonical order. Two records with one request id
 * and the same digest are one request sent twice; with different digests the id was reused.
 *
 * @example
 * requestDigest({ requestId: 'r-1', query: 'q' }) === requestDigest({ query: 'q', requestId: 'r-1' }); // true
 */
export function requestDigest(request: ResearchRequested): string {
  const { submittedAt: _submittedAt, ...asked } = request;
  // Versioned: a later way of digesting (a new field) must not make an old run's redelivery look like another request.
  return `v1:${createHash('sha256').update(canonicalJson(asked)).digest('hex')}`;
}

/** JSON with object keys sorted at every depth, so that equal content gives equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries = Object.entries(value).filter(([, entry]) => entry !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([name, entry]) => `${JSON.stringify(name)}:${canonicalJson(entry)}`).join(',')}}`;
}
