import type { Admin } from 'kafkajs';

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
