import type { Admin, Kafka } from 'kafkajs';
import type { RelayConfig } from '../config/relayConfig';

/**
 * Creates the topics that do not exist yet; existing ones are left as they are.
 * Safe to call from several processes at once (a lost creation race is not an error).
 */
export async function ensureTopics(admin: Admin, topics: readonly string[], numPartitions: number, listingWaitMs = 15_000): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = [...new Set(topics)].filter((topic) => !existing.has(topic));
  if (missing.length === 0) return [];
  try {
    await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions })), waitForLeaders: true });
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

/**
 * Every topic of the relay's configuration, created where missing with its own admin client
 * (connected for the call only); returns the topics it created.
 *
 * @example
 * await provisionRelayTopics(kafka, loadRelayConfig(process.env));
 */
export async function provisionRelayTopics(kafka: Kafka, config: Pick<RelayConfig, 'topics' | 'topicPartitions'>): Promise<string[]> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    return await ensureTopics(admin, Object.values(config.topics), config.topicPartitions);
  } finally {
    // Also after a failed connect: kafkajs may hold a half-open connection.
    await admin.disconnect();
  }
}
