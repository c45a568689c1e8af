import type { Admin } from 'kafkajs';

/**
 * Creates the topics that do not exist yet; existing ones are left as they are.
 * Safe to call from several processes at once (a lost creation race is not an error).
 */
export async function ensureTopics(admin: Admin, topics: readonly string[], numPartitions: number): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = [...new Set(topics)].filter((topic) => !existing.has(topic));
  if (missing.length === 0) return [];
  try {
    await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions })), waitForLeaders: true });
  } catch (error) {
    const stillMissing = missing.filter((topic) => !existing.has(topic));
    const now = new Set(await admin.listTopics());
    if (stillMissing.some((topic) => !now.has(topic))) throw error;
  }
  return missing;
}
