import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { RelayService } from '../../app/service/relayService';
import { redriveDeadLetters } from '../../operator/deadLetters/deadLetterRedrive';
import { createLogger } from '../../src/logging/logger';
import { eventually } from '../support/eventually';
import { PipelineHarness } from '../support/pipelineHarness';
import { tearDown } from '../support/teardown';

const hour = 3_600_000;

describe('where a new consumer group starts, and requests too old to run', () => {
  const harnesses: PipelineHarness[] = [];
  // Every harness is closed, whatever an earlier one's close threw.
  after(() => tearDown(...harnesses.map((harness) => () => harness.close())));

  /** Produces a request whose record timestamp lies `ageMs` in the past. */
  const requestAged = (harness: PipelineHarness, requestId: string, ageMs: number) =>
    harness.producer.send({
      topic: harness.config.topics.requested,
      acks: -1,
      messages: [{ key: requestId, value: JSON.stringify({ requestId, query: `How old is ${requestId}?`, maxSearches: 1 }), headers: { ce_type: 'research.requested.v1' }, timestamp: String(Date.now() - ageMs) }],
    });

  it('dead-letters a request older than REQUEST_MAX_AGE_MS as expired, with its age, and runs a fresh one', async () => {
    const harness = await PipelineHarness.start({ env: { REQUEST_MAX_AGE_MS: String(hour), TOPIC_PARTITIONS: '1' } });
    harnesses.push(harness);
    // Aged by the producer's stamp: on the broker-stamped topic the relay creates, every record is new.
    await harness.keepProducerTimestamps();
    await requestAged(harness, 'stale', 2 * hour);
    await requestAged(harness, 'fresh', 0);
    const [letter] = await harness.recorder.waitFor(harness.config.topics.deadLetter, 1, (record) => record.key === 'stale');
    assert.equal(letter?.headers['dlq.reason'], 'expired');
    assert.match(letter?.headers['dlq.detail'] ?? '', /2\.0 h old; requests older than 1\.0 h are not run/);
    await harness.recorder.waitFor(harness.config.topics.completed, 1, (record) => record.key === 'fresh');
    assert.deepEqual(await harness.runsOf(harness.workflowId('stale')), [], 'the stale request never ran');

    // A redelivered record of a request whose run exists belongs to that run, however old it is.
    await requestAged(harness, 'fresh', 2 * hour);
    const redelivered = await eventually(() => harness.outcomes.find((outcome) => outcome.location.offset === '2'), 30_000, 'the redelivered record');
    assert.equal(redelivered.kind, 'duplicate', 'not dead-lettered as expired');

    // Redrive leaves expired letters alone unless asked for them by name.
    const plain = await redriveDeadLetters({ kafka: harness.kafka, temporal: harness.client, config: harness.config });
    assert.deepEqual(plain.stillInvalid.map(({ letter, reason }) => [letter.key, reason]), [['stale', 'expired']]);
    assert.deepEqual(await harness.runsOf(harness.workflowId('stale')), [], 'still not run');
    const asked = await redriveDeadLetters({ kafka: harness.kafka, temporal: harness.client, config: harness.config, filter: { reason: 'expired' } });
    assert.deepEqual(asked.started.map((letter) => letter.key), ['stale']);
  });

  it('by default takes the namespace’s retention as the limit: a request older than Temporal remembers runs is not run again', async () => {
    const harness = await PipelineHarness.start({ env: { TOPIC_PARTITIONS: '1' } });
    harnesses.push(harness);
    await harness.keepProducerTimestamps();
    await requestAged(harness, 'ancient', 40 * 24 * hour);
    const [letter] = await harness.recorder.waitFor(harness.config.topics.deadLetter, 1, (record) => record.key === 'ancient');
    assert.equal(letter?.headers['dlq.reason'], 'expired');
    assert.match(letter?.headers['dlq.detail'] ?? '', /older than 24\.0 h/, 'the dev server keeps closed runs for 24 h');
  });

  it('with CONSUMER_START_POSITION=latest a new group starts at the end: an earlier request is never run, a later one is, and what it skipped is counted in a warning', async () => {
    const harness = await PipelineHarness.start({ roles: { consumer: false, worker: true }, env: { TOPIC_PARTITIONS: '1' } });
    harnesses.push(harness);
    await requestAged(harness, 'before-start', 0);
    const lines: { level?: string; msg?: string; skippedRecords?: number }[] = [];
    const logger = createLogger({ level: 'warn', name: 'latest', write: (line) => lines.push(JSON.parse(line) as (typeof lines)[number]) });
    const consumer = await RelayService.start({ config: { ...harness.config, startPosition: 'latest' }, logger, roles: { consumer: true, worker: false }, httpPort: false });
    // Kafka cannot tell this new group from one whose offsets expired: the skipped backlog is said out loud.
    const skipped = lines.find((line) => /CONSUMER_START_POSITION=latest/.test(line.msg ?? ''));
    assert.equal(skipped?.level, 'warn');
    assert.equal(skipped?.skippedRecords, 1);
    assert.match(skipped?.msg ?? '', /offsets expired/);
    assert.equal(consumer.httpPort, undefined, 'httpPort: false opens no port');
    try {
      const admin = harness.kafka.admin();
      await admin.connect();
      try {
        // Produce the later request only once the group has its partition (it then starts from the end).
        await eventually(async () => {
          const [group] = (await admin.describeGroups([harness.config.consumerGroupId])).groups;
          return (group?.state === 'Stable' && group.members.length === 1) || undefined;
        }, 30_000, 'the group to settle');
        await requestAged(harness, 'after-start', 0);
        await harness.recorder.waitFor(harness.config.topics.completed, 1, (record) => record.key === 'after-start');
        // Settled: the group committed past both records (offsets 0 and 1) and cannot return to the first.
        await eventually(async () => {
          const [offsets] = await admin.fetchOffsets({ groupId: harness.config.consumerGroupId, topics: [harness.config.topics.requested] });
          return offsets?.partitions[0]?.offset === '2' || undefined;
        }, 30_000, 'the commit past the later request');
      } finally {
        await admin.disconnect();
      }
      assert.deepEqual(await harness.runsOf(harness.workflowId('before-start')), [], 'the earlier request was not run');
    } finally {
      await consumer.stop();
    }
  });
});
