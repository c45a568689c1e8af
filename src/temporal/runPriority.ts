import { createHash, createHmac, hkdfSync, type KeyObject } from 'node:crypto';
import type { Priority } from '@temporalio/common';
import { fairnessKeyMaxBytes, type FairnessSettings } from '../config/fairnessSettings';
import type { PayloadEncryptionSettings } from '../config/payloadEncryptionSettings';
import type { ResearchRequested } from '../contracts/researchRequested';

/**
 * Who is waiting for a run: `live` — a request that just arrived (live ingest, a DLQ redrive),
 * whose sender waits for the result; `batch` — a replay, which nobody waits on run by run.
 */
export type RunUrgency = 'live' | 'batch';

/**
 * Temporal's priority keys (1 = first … 5 = last; 3 when none is set): a backlogged task of a
 * live run is dispatched before any batch task of the same task queue. 1 and 5 stay free for
 * whatever must come before live requests or after replays.
 */
export const priorityKeys: Readonly<Record<RunUrgency, number>> = { live: 2, batch: 4 };

/**
 * The Temporal priority of a run: its urgency's priority key, and its tenant as the fairness
 * key, so that within one priority the tenants' runs are dispatched in turn (by weight) instead
 * of first come, first served. Activities inherit it from their workflow.
 *
 * @example
 * runPriority({ requestId: 'r-1', query: 'q', metadata: { team: 'energy' } }, 'batch', settings.temporal);
 * // { priorityKey: 4, fairnessKey: 'energy' }
 */
export function runPriority(
  request: ResearchRequested,
  urgency: RunUrgency,
  settings: { readonly fairness: FairnessSettings; readonly payloadEncryption?: PayloadEncryptionSettings | undefined },
): Priority {
  const tenant = tenantOf(request, settings.fairness);
  const weight = tenant === undefined ? undefined : settings.fairness.weights.get(tenant);
  return {
    priorityKey: priorityKeys[urgency],
    ...(tenant ? { fairnessKey: fairnessKeyOf(tenant, settings.payloadEncryption) } : {}),
    ...(weight !== undefined ? { fairnessWeight: weight } : {}),
  };
}

/**
 * The request's tenant: the configured field's value; undefined when the request has none, so
 * that every run without one shares Temporal's default (empty) key — one tenant among the others.
 */
function tenantOf(request: ResearchRequested, fairness: FairnessSettings): string | undefined {
  const { metadata } = request;
  const { keyField } = fairness;
  // Own entries only: `metadata.constructor` (or `toString`, …) must not read Object.prototype's.
  const value = keyField.kind === 'requestedBy' ? request.requestedBy : metadata && Object.hasOwn(metadata, keyField.key) ? metadata[keyField.key] : undefined;
  return value === '' ? undefined : value;
}

/**
 * The key Temporal sees. Temporal stores it in clear in the history and shows it in its UI, so
 * with payload encryption on it is a keyed hash of the tenant (`h:` + 32 hex), which no one
 * without the keys can read back or guess from a list of team names. Without encryption it is
 * the tenant itself, cut to 64 bytes with a hash of the whole appended when longer, so that
 * two long tenant names never share a key.
 */
export function fairnessKeyOf(tenant: string, encryption?: PayloadEncryptionSettings): string {
  if (encryption) return `h:${createHmac('sha256', fairnessHashKey(encryption)).update(tenant).digest('hex').slice(0, 32)}`;
  if (Buffer.byteLength(tenant) <= fairnessKeyMaxBytes) return tenant;
  const suffix = `#${createHash('sha256').update(tenant).digest('hex').slice(0, 16)}`;
  let prefix = '';
  for (const character of tenant) {
    if (Buffer.byteLength(prefix + character) + suffix.length > fairnessKeyMaxBytes) break;
    prefix += character;
  }
  return prefix + suffix;
}

const hashKeys = new WeakMap<PayloadEncryptionSettings, Buffer>();

/**
 * A key of its own for hashing tenants, derived (HKDF) from the current encryption key, so the
 * encryption key itself is never used for anything else. Rotating the current key changes every
 * fairness key once: fairness starts afresh, nothing else happens.
 */
function fairnessHashKey(encryption: PayloadEncryptionSettings): Buffer {
  let key = hashKeys.get(encryption);
  if (!key) {
    const current = encryption.keys.get(encryption.currentKeyId) as KeyObject;
    key = Buffer.from(hkdfSync('sha256', current, Buffer.alloc(0), 'research-relay fairness key', 32));
    hashKeys.set(encryption, key);
  }
  return key;
}
