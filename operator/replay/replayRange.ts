import type { Admin } from 'kafkajs';

/** Where a replay starts or ends: the topic's beginning, a time, or explicit offsets per partition. */
export type ReplayBound = { readonly kind: 'beginning' } | { readonly kind: 'end' } | { readonly kind: 'time'; readonly at: Date } | { readonly kind: 'offsets'; readonly offsets: ReadonlyMap<number, string> };

/**
 * Parses `--from` / `--to`: `beginning`, `end`, an ISO 8601 time, or `partition:offset,...`
 * (partitions left out start at the beginning / end at the current end).
 *
 * @example
 * parseReplayBound('2026-11-24T00:00:00Z', '--from'); // { kind: 'time', at: Date }
 * parseReplayBound('0:120,1:95', '--from');           // { kind: 'offsets', offsets: Map { 0 → '120', 1 → '95' } }
 */
export function parseReplayBound(text: string, flag: string): ReplayBound {
  if (text === 'beginning') return { kind: 'beginning' };
  if (text === 'end' || text === 'now') return { kind: 'end' };
  if (/^\d+:\d+(,\d+:\d+)*$/.test(text)) {
    return { kind: 'offsets', offsets: new Map(text.split(',').map((pair) => pair.split(':')).map(([p, o]) => [Number(p), String(o)] as const)) };
  }
  const at = new Date(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(at.getTime())) return { kind: 'time', at };
  throw new Error(`${flag} "${text}" is not beginning, end, an ISO time (2026-11-25T10:00:00Z) or partition:offset,...`);
}

/** The offset of every partition that the bound points at (the first offset to read, or one past the last). */
export async function resolveReplayBound(admin: Admin, topic: string, bound: ReplayBound, missing: 'low' | 'high'): Promise<Map<number, string>> {
  const watermarks = await admin.fetchTopicOffsets(topic);
  const result = new Map<number, string>();
  if (bound.kind === 'time') {
    const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, bound.at.getTime());
    for (const entry of byTime) {
      // Past the last record: the partition's end.
      const mark = watermarks.find((w) => w.partition === entry.partition);
      result.set(entry.partition, entry.offset === '-1' ? (mark?.high ?? '0') : entry.offset);
    }
    return result;
  }
  for (const mark of watermarks) {
    const fallback = (bound.kind === 'end' || (bound.kind === 'offsets' && missing === 'high')) ? mark.high : mark.low;
    const explicit = bound.kind === 'offsets' ? bound.offsets.get(mark.partition) : undefined;
    const chosen = explicit ?? (bound.kind === 'beginning' ? mark.low : fallback);
    // Clamp into what the partition still holds.
    const clamped = BigInt(chosen) < BigInt(mark.low) ? mark.low : BigInt(chosen) > BigInt(mark.high) ? mark.high : chosen;
    result.set(mark.partition, clamped);
  }
  return result;
}
