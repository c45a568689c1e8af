import type { Admin, Kafka } from 'kafkajs';
import { positionReplayGroup } from './replayGroupPosition';
import { resolveReplayBound, type ReplayBound } from './replayRange';

export type ReplayMode = 'skip-existing' | 'rerun';

/** What a replay must remember to resume: stored as the offset metadata of its consumer group. */
export interface ReplayPlan {
  readonly v: 1;
  readonly mode: ReplayMode;
  readonly epoch?: number;
  /** One past the last offset to replay, per partition. */
  readonly end: Record<string, string>;
}

/** A replay laid out: its plan, where each partition starts, and how many records lie between. */
export interface ReplayLayout {
  readonly plan: ReplayPlan;
  readonly start: ReadonlyMap<number, string>;
  readonly end: ReadonlyMap<number, string>;
  readonly resumed: boolean;
  readonly total: number;
  /** Partitions with records left to replay. */
  readonly pending: Set<number>;
}

export interface ReplayLayoutRequest {
  readonly groupId: string;
  readonly topic: string;
  readonly replayId: string;
  readonly dryRun: boolean;
  readonly from?: ReplayBound;
  readonly to?: ReplayBound;
  readonly mode?: ReplayMode;
  readonly epoch?: number;
}

/**
 * Resumes a replay whose group already holds offsets (with the plan stored beside them), or
 * lays out a new one from --from/--to and positions its group at the start.
 */
export async function layOutReplay(kafka: Kafka, admin: Admin, request: ReplayLayoutRequest): Promise<ReplayLayout> {
  const { groupId, topic } = request;
  const committed = (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? [];
  const resumed = !request.dryRun && committed.some((p) => p.offset !== '-1');
  const stored = committed.map((p) => parsePlan(p.metadata)).find((plan) => plan !== undefined);
  const end = stored ? new Map(Object.entries(stored.end).map(([p, o]) => [Number(p), o])) : await resolveReplayBound(admin, topic, request.to ?? { kind: 'end' }, 'high');
  const mode: ReplayMode = stored?.mode ?? request.mode ?? 'skip-existing';
  const epoch = mode === 'rerun' ? (stored?.epoch ?? request.epoch ?? epochFor(request.replayId)) : undefined;
  const plan: ReplayPlan = { v: 1, mode, ...(epoch !== undefined ? { epoch } : {}), end: Object.fromEntries([...end].map(([p, o]) => [String(p), o])) };
  const start = resumed
    ? new Map(committed.map((p) => [p.partition, p.offset === '-1' ? (end.get(p.partition) ?? '0') : p.offset]))
    : await resolveReplayBound(admin, topic, request.from ?? { kind: 'beginning' }, 'low');
  if (!resumed) await positionReplayGroup(kafka, admin, groupId, topic, start);
  const total = [...end].reduce((sum, [p, o]) => sum + Math.max(0, Number(BigInt(o) - BigInt(start.get(p) ?? o))), 0);
  const pending = new Set([...end].filter(([p, o]) => BigInt(start.get(p) ?? o) < BigInt(o)).map(([p]) => p));
  return { plan, start, end, resumed, total, pending };
}

/** A stable epoch for a replay id: the same id always reruns under the same epoch. */
export function epochFor(replayId: string): number {
  let hash = 2166136261;
  for (const char of replayId) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return (hash % 2_000_000_000) + 1;
}

function parsePlan(metadata: string | null): ReplayPlan | undefined {
  if (!metadata) return undefined;
  try {
    const plan = JSON.parse(metadata) as ReplayPlan;
    return plan.v === 1 ? plan : undefined;
  } catch {
    return undefined;
  }
}
