import { ConfigResourceTypes, type Admin, type ITopicConfig, type Kafka } from 'kafkajs';
import type { RelayConfig } from '../config/relayConfig';
import { clusterBrokerCount, resolveTopicReplication, weakTopicReplication, type TopicReplication, type WeakTopicReplication } from './topicReplication';

/** Per-topic settings for topics created here (`message.timestamp.type` and the like). */
export type TopicSettings = (topic: string) => ITopicConfig['configEntries'];

/**
 * Creates the topics that do not exist yet; existing ones are left as they are.
 * Safe to call from several processes at once (a lost creation race is not an error).
 * Without a replication factor the broker's `default.replication.factor` applies.
 */
export async function ensureTopics(admin: Admin, topics: readonly string[], numPartitions: number, listingWaitMs = 15_000, settings?: TopicSettings, replicationFactor?: number): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = [...new Set(topics)].filter((topic) => !existing.has(topic));
  if (missing.length === 0) return [];
  const replication = replicationFactor === undefined ? {} : { replicationFactor };
  try {
    await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions, ...replication, ...(settings?.(topic)?.length ? { configEntries: settings(topic) } : {}) })), waitForLeaders: true });
  } catch (error) {
    // Lost a creation race, or the broker has not yet put a new topic in its metadata (a broker
    // that just started answers UNKNOWN_TOPIC_OR_PARTITION for a moment, and kafkajs's wait for
    // leaders does not retry that): it counts as created once the broker lists it.
    if (!(await listedWithin(admin, missing, listingWaitMs))) throw error;
  }
  return missing;
}

/** Whether every topic is listed by the broker within the time (looked for every 250 ms). */
async function listedWithin(admin: Admin, topics: readonly string[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    const listed = new Set(await admin.listTopics().catch(() => [] as string[]));
    if (topics.every((topic) => listed.has(topic))) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** What provisioning did: the topics it created, and the intake topics whose records carry the producer's clock. */
export interface ProvisionedTopics {
  readonly created: readonly string[];
  /** How the topics it created (would create) are replicated, and on how many brokers. */
  readonly replication: TopicReplication & { readonly brokers: number };
  /** The relay's topics (whoever made them) whose replication breaks the promise; undefined: the cluster would not say. */
  readonly weakReplication: readonly WeakTopicReplication[] | undefined;
  /** Intake topics with `message.timestamp.type=CreateTime`: a producer's clock decides a record's age there. Undefined: the broker would not say (DescribeConfigs refused). */
  readonly stampedByProducers: readonly string[] | undefined;
}

/**
 * The topics whose records the relay judges by age (requests, cancels) are created with
 * `message.timestamp.type=LogAppendTime`: the broker stamps each record as it appends it, so
 * no producer's clock (wrong, or chosen to dodge REQUEST_MAX_AGE_MS) decides a record's age.
 * With a replication, every topic also gets its `min.insync.replicas`.
 */
export function relayTopicSettings(config: Pick<RelayConfig, 'topics'>, replication?: TopicReplication): TopicSettings {
  const intake = new Set(intakeTopics(config));
  const minIsr = replication ? [{ name: 'min.insync.replicas', value: String(replication.minInsyncReplicas) }] : [];
  return (topic) => [...(intake.has(topic) ? [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] : []), ...minIsr];
}

function intakeTopics(config: Pick<RelayConfig, 'topics'>): string[] {
  return [config.topics.requested, config.topics.cancel];
}

/**
 * Every topic of the relay's configuration, created where missing with its own admin client
 * (connected for the call only) and replicated as TOPIC_REPLICATION_FACTOR and
 * TOPIC_MIN_INSYNC_REPLICAS say (unset: as fits the cluster's size, see
 * resolveTopicReplication); says which it created, which intake topics (made by someone else)
 * keep the producer's timestamps, and which topics are replicated too weakly for the cluster.
 *
 * @example
 * const { created, weakReplication } = await provisionRelayTopics(kafka, loadRelayConfig(process.env));
 */
export async function provisionRelayTopics(kafka: Kafka, config: Pick<RelayConfig, 'topics' | 'topicPartitions'> & Partial<Pick<RelayConfig, 'topicReplication'>>): Promise<ProvisionedTopics> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topics = Object.values(config.topics);
    const brokers = await clusterBrokerCount(admin, topics);
    const replication = resolveTopicReplication(config.topicReplication ?? {}, brokers);
    const created = await ensureTopics(admin, topics, config.topicPartitions, undefined, relayTopicSettings(config, replication), replication.factor);
    // Only warnings depend on these: a broker that refuses to describe (ACLs) does not stop start-up.
    const weakReplication = await weakTopicReplication(admin, topics).catch(() => undefined);
    return { created, replication: { ...replication, brokers }, weakReplication, stampedByProducers: await createTimeTopics(admin, intakeTopics(config)) };
  } finally {
    // Also after a failed connect: kafkajs may hold a half-open connection.
    await admin.disconnect();
  }
}

/** Which of the topics keep the producer's timestamps (`message.timestamp.type=CreateTime`). */
async function createTimeTopics(admin: Admin, topics: readonly string[]): Promise<string[] | undefined> {
  // Only a warning depends on it: a broker that refuses DescribeConfigs (ACLs) does not stop start-up.
  const described = await describeTimestampTypes(admin, topics).catch(() => undefined);
  if (!described) return undefined;
  const stampedByProducer = (entries: readonly { configName: string; configValue: string }[]): boolean => entries.some((entry) => entry.configName === 'message.timestamp.type' && entry.configValue === 'CreateTime');
  return described.resources.filter((resource) => stampedByProducer(resource.configEntries)).map((resource) => resource.resourceName);
}

function describeTimestampTypes(admin: Admin, topics: readonly string[]): ReturnType<Admin['describeConfigs']> {
  return admin.describeConfigs({ includeSynonyms: false, resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['message.timestamp.type'] })) });
}
