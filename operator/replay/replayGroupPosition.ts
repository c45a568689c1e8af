import type { Admin, Kafka } from 'kafkajs';

/**
 * How long the positioning member's fetch waits with nothing to fetch. kafkajs sleeps this long
 * when every partition is paused, before it reports the fetch that tells us the seeks are
 * committed: `admin.setOffsets` uses the consumer default of 5 s, which every new replay (and
 * every dry run) paid before its first record — a quarter of a 2,000-request rerun.
 */
const positioningWaitMs = 50;

/**
 * Commits a new replay group's start offsets, the way kafkajs's `admin.setOffsets` does — a
 * member of the group seeks each partition (kafkajs commits a seek before its next fetch) and
 * leaves after that fetch — minus its five-second pause. As there, the group must be empty.
 *
 * @example
 * await positionReplayGroup(kafka, admin, 'relay-replay-r1', 'research.requested', new Map([[0, '120'], [1, '95']]));
 */
export async function positionReplayGroup(kafka: Kafka, admin: Admin, groupId: string, topic: string, start: ReadonlyMap<number, string>): Promise<void> {
  const { groups } = await admin.describeGroups([groupId]);
  const state = groups[0]?.state ?? 'Dead';
  if (!['Empty', 'Dead'].includes(state)) throw new Error(`the replay group ${groupId} must have no running member to be positioned (it is ${state}): is the same replay running elsewhere?`);
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: positioningWaitMs });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.FETCH, () => resolve());
      consumer.on(consumer.events.CRASH, (event) => reject(event.payload.error instanceof Error ? event.payload.error : new Error(String(event.payload.error))));
      consumer.run({ eachBatchAutoResolve: false, eachBatch: () => Promise.resolve() }).catch(reject);
      // Nothing is to be read: the seeks alone are committed, before the first fetch.
      consumer.pause([{ topic }]);
      for (const [partition, offset] of start) consumer.seek({ topic, partition, offset });
    });
  } finally {
    await consumer.disconnect();
  }
}
