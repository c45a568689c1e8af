import { ConfigResourceTypes, type Admin } from 'kafkajs';
import type { RelayConfig } from '../config/relayConfig';
import { ConfigurationError } from '../errors';

/** How the topics the relay creates are replicated. */
export interface TopicReplication {
  readonly factor: number;
  readonly minInsyncReplicas: number;
}

/**
 * The replication of topics the relay creates: the configured values, else a factor of
 * min(3, brokers) and a min ISR of 2 from a factor of 3 on (one broker may fail and an
 * acks=all write still lands on two), else 1.
 *
 * @example
 * resolveTopicReplication({}, 3); // { factor: 3, minInsyncReplicas: 2 }
 * resolveTopicReplication({}, 1); // { factor: 1, minInsyncReplicas: 1 }
 */
export function resolveTopicReplication(configured: RelayConfig['topicReplication'], brokers: number): TopicReplication {
  const factor = configured.factor ?? Math.max(1, Math.min(3, brokers));
  const minInsyncReplicas = configured.minInsyncReplicas ?? (factor >= 3 ? 2 : 1);
  if (minInsyncReplicas > factor) {
    // Kafka accepts such a topic, then refuses every acks=all write to it (NOT_ENOUGH_REPLICAS).
    throw new ConfigurationError(
      `invalid configuration:\n  TOPIC_MIN_INSYNC_REPLICAS=${minInsyncReplicas} is above the replication factor ${factor}${configured.factor === undefined ? ` (the default on ${brokers} broker(s))` : ''}: no acks=all write could succeed`,
      ['TOPIC_MIN_INSYNC_REPLICAS'],
    );
  }
  return { factor, minInsyncReplicas };
}

/**
 * The brokers the cluster has, also those down right now: Metadata lists only live brokers, so
 * a relay starting while one of three is restarting would count two and create its topics with
 * two replicas for good. The replicas of the internal offsets topic (and of the given topics)
 * name every broker that holds one, running or not.
 */
export async function clusterBrokerCount(admin: Admin, topics: readonly string[]): Promise<number> {
  const [{ brokers }, listed] = await Promise.all([admin.describeCluster(), admin.listTopics()]);
  const ids = new Set(brokers.map((broker) => broker.nodeId));
  const known = ['__consumer_offsets', ...topics].filter((topic) => listed.includes(topic));
  if (known.length > 0) {
    const metadata = await admin.fetchTopicMetadata({ topics: known }).catch(() => undefined);
    for (const partition of metadata?.topics.flatMap((topic) => topic.partitions) ?? []) for (const id of partition.replicas) ids.add(id);
  }
  return ids.size;
}

/** A topic the relay uses whose replication cannot keep an acknowledged record through a broker failure. */
export interface WeakTopicReplication {
  readonly topic: string;
  /** The most replicas any of its partitions has. */
  readonly factor: number;
  /** Its effective `min.insync.replicas`; undefined when the broker would not say (DescribeConfigs refused). */
  readonly minInsyncReplicas: number | undefined;
  readonly brokers: number;
  /** What is wrong, in words. */
  readonly problem: string;
}

/** What the relay's promise (an acknowledged record survives one broker's loss) needs of a topic. */
export const replicationPromise = 'replication factor ≥ 3, min.insync.replicas=2 and producers with acks=all';

/**
 * The topics (existing ones; missing ones are skipped) whose replication breaks the promise on
 * this cluster: factor 1 on several brokers, a min ISR below 2 with a factor of 3 or more, or a
 * factor above the brokers there are. A refused DescribeConfigs leaves the min ISR unknown
 * (and unchecked); the other checks still run.
 *
 * @example
 * for (const weak of await weakTopicReplication(admin, Object.values(config.topics))) logger.warn(describeWeakReplication(weak), { ...weak });
 */
export async function weakTopicReplication(admin: Admin, topics: readonly string[]): Promise<WeakTopicReplication[]> {
  const unique = [...new Set(topics)];
  const [brokers, listed] = await Promise.all([clusterBrokerCount(admin, unique), admin.listTopics()]);
  const existing = unique.filter((topic) => listed.includes(topic));
  if (existing.length === 0) return [];
  const metadata = await admin.fetchTopicMetadata({ topics: existing });
  const minIsr = await minInsyncReplicas(admin, existing).catch(() => new Map<string, number>());
  return metadata.topics.flatMap((topic) => {
    const factor = Math.max(0, ...topic.partitions.map((partition) => partition.replicas.length));
    const min = minIsr.get(topic.name);
    const problem = replicationProblem(factor, min, brokers);
    return problem === undefined ? [] : [{ topic: topic.name, factor, minInsyncReplicas: min, brokers, problem }];
  });
}

function replicationProblem(factor: number, minIsr: number | undefined, brokers: number): string | undefined {
  if (minIsr !== undefined && minIsr > factor) return `min.insync.replicas=${minIsr} is above its replication factor ${factor}: every acks=all write is refused`;
  if (factor > brokers) return `replication factor ${factor} is above the ${brokers} broker(s) that answer: partitions stay under-replicated`;
  if (factor === 1 && brokers > 1) return `replication factor 1 on a ${brokers}-broker cluster: losing one broker loses its partitions' records`;
  if (factor < Math.min(3, brokers)) return `replication factor ${factor} on a ${brokers}-broker cluster: one broker's loss leaves one copy (or, with min.insync.replicas=2, stops writes)`;
  if (factor >= 3 && minIsr !== undefined && minIsr < 2) return `min.insync.replicas=${minIsr} with replication factor ${factor}: an acks=all write may be acknowledged by one replica alone`;
  return undefined;
}

/** The warning's text: the topic, its replication and what the promise needs. */
export function describeWeakReplication(weak: WeakTopicReplication): string {
  const minIsr = weak.minInsyncReplicas === undefined ? 'min.insync.replicas unknown' : `min.insync.replicas=${weak.minInsyncReplicas}`;
  return `topic ${weak.topic} (replication factor ${weak.factor}, ${minIsr}, ${weak.brokers} broker(s)): ${weak.problem}; not losing acknowledged records needs ${replicationPromise}`;
}

/** The effective `min.insync.replicas` of each topic (its own setting or the broker's default). */
async function minInsyncReplicas(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  const described = await admin.describeConfigs({ includeSynonyms: false, resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['min.insync.replicas'] })) });
  const values = new Map<string, number>();
  for (const resource of described.resources) {
    const value = resource.configEntries.find((entry) => entry.configName === 'min.insync.replicas')?.configValue;
    if (value !== undefined && resource.errorCode === 0) values.set(resource.resourceName, Number(value));
  }
  return values;
}
