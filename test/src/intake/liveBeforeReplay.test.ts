import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { temporalFairnessConfig } from '../../../dev/infra/localTemporal';
import { RelayService } from '../../../app/service/relayService';
import type { RelayConfig } from '../../../src/config/relayConfig';
import { researchCompletedSchema } from '../../../src/contracts/researchCompleted';
import { silentLogger } from '../../../src/logging/logger';
import { replayBatch } from '../../support/batchRequests';
import { eventually } from '../../support/eventually';
import { PipelineHarness } from '../../support/pipelineHarness';
import { startStrictTemporal, type StrictTemporal } from '../../support/strictTemporal';
import { tearDown } from '../../support/teardown';
import { uniqueName } from '../../support/testInfrastructure';

const EventType = proto.api.enums.v1.EventType;

// The replay's backlog: far more of team-a than of team-b, team-a's first. First come, first
// served would run all of team-a before any of team-b; fairness takes them in turn.
const teamA = Array.from({ length: 14 }, (_, i) => `a-${i}`);
const teamB = Array.from({ length: 6 }, (_, i) => `b-${i}`);
const live = ['live-0', 'live-1', 'live-2'];
const teamOf = (id: string): string => (id.startsWith('b-') || id === 'live-1' ? 'team-b' : 'team-a');
const epoch = 1;

/** When a run's first event of this type happened (Temporal's own clock). */
async function firstEventTime(client: Client, workflowId: string, type: proto.api.enums.v1.EventType): Promise<number> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const event = history.events?.find((candidate) => candidate.eventType === type);
  assert.ok(event?.eventTime, `${workflowId} has a ${EventType[type]} event`);
  return Number(event.eventTime.seconds) * 1e6 + Math.floor((event.eventTime.nanos ?? 0) / 1e3);
}

/** The runs' labels in the order their first event of this type happened. */
async function orderOf(client: Client, workflowIds: ReadonlyMap<string, string>, type: proto.api.enums.v1.EventType): Promise<string[]> {
  const times = await Promise.all([...workflowIds].map(async ([label, workflowId]) => ({ label, at: await firstEventTime(client, workflowId, type) })));
  return times.sort((a, b) => a.at - b.at || a.label.localeCompare(b.label)).map(({ label }) => label);
}

describe('live requests ahead of a replay, and tenants in turn (on a Temporal with priority and fairness on)', () => {
  let temporal: StrictTemporal;
  let harness: PipelineHarness;
  let liveConfig: RelayConfig;
  const runs = new Map<string, string>();

  before(async () => {
    // A dev server of the test's own, started the way `npm run infra:up` starts the shared one:
    // the shared server may still run without the settings (they need a restart).
    temporal = await startStrictTemporal(temporalFairnessConfig);
    // One activity slot and the fewest workflow-task slots the SDK allows: every task waits in
    // the queue, and the server alone decides which runs first. Model calls take 400 ms, so the
    // queue is never empty while the worker works.
    harness = await PipelineHarness.start({
      roles: { consumer: false, worker: false },
      standInLatencyMs: 400,
      env: { TEMPORAL_ADDRESS: temporal.address, TOPIC_PARTITIONS: '1', WORKER_ACTIVITY_SLOTS: '1', WORKER_WORKFLOW_TASK_SLOTS: '2' },
    });
    // The live requests arrive on a topic of their own, so that the live consumer does not
    // take the replay's records too; both start runs on the same task queue.
    const id = uniqueName('live');
    liveConfig = { ...harness.config, topics: { ...harness.config.topics, requested: `${id}.requested` }, consumerGroupId: `${id}-ingest` };
  });
  after(() =>
    tearDown(
      () => harness?.close(),
      () => temporal?.stop(),
    ),
  );

  it('with no worker running, a replay queues 20 runs at batch priority and live ingest then 3 at live priority, each with its team as fairness key', async () => {
    await harness.producer.send({
      topic: harness.config.topics.requested,
      acks: -1,
      messages: [...teamA, ...teamB].map((requestId) => ({ key: requestId, value: JSON.stringify({ requestId, query: `Replayed question ${requestId}`, maxSearches: 1, metadata: { team: teamOf(requestId) } }) })),
    });
    // One start at a time, in topic order: the queue holds team-a's 14 runs, then team-b's 6.
    const summary = await replayBatch(harness, { from: { kind: 'beginning' }, mode: 'rerun', epoch, concurrency: 1 });
    assert.equal(summary.started, 20);
    for (const requestId of [...teamA, ...teamB]) runs.set(requestId, harness.workflowId(`${requestId}~r${epoch}`));

    const consumer = await RelayService.start({ config: liveConfig, logger: silentLogger, roles: { consumer: true, worker: false }, httpPort: false });
    try {
      await harness.producer.send({
        topic: liveConfig.topics.requested,
        acks: -1,
        messages: live.map((requestId) => ({ key: requestId, value: JSON.stringify({ requestId, query: `Live question ${requestId}`, maxSearches: 1, metadata: { team: teamOf(requestId) } }), headers: { ce_type: 'research.requested.v1' } })),
      });
      for (const requestId of live) {
        await eventually(() => harness.client.workflow.getHandle(harness.workflowId(requestId)).describe().catch(() => undefined), 30_000, `the live run of ${requestId}`);
        runs.set(requestId, harness.workflowId(requestId));
      }
    } finally {
      await consumer.stop();
    }

    for (const [label, workflowId] of runs) {
      const { priority } = await harness.client.workflow.getHandle(workflowId).describe();
      assert.equal(priority?.priorityKey, label.startsWith('live') ? 2 : 4, `${label}'s priority`);
      assert.equal(priority?.fairnessKey, teamOf(label), `${label}'s fairness key`);
    }
  });

  it('once a worker with one slot starts, the live runs start first, and team-b’s runs are taken in turn with team-a’s instead of after them', async () => {
    assert.equal(runs.size, 23, 'the runs of the first test are queued');
    await harness.service?.stop(); // the harness's service without roles
    harness.service = await harness.startService({ roles: { consumer: false, worker: true } });
    await harness.recorder.waitFor(harness.config.topics.completed, 23, undefined, 180_000);

    // With one activity slot the worker polls for one activity at a time, so the order in which
    // the runs' first agent calls (their planners) started is the order the server chose.
    const activityOrder = await orderOf(harness.client, runs, EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED);
    assert.deepEqual(activityOrder.slice(0, 3).sort(), live, `the live runs' first agent calls go first, though queued last: ${activityOrder.join(' ')}`);
    const batchActivities = activityOrder.filter((label) => !label.startsWith('live'));
    // In turn: ABABABABABAB, then the rest of team-a. First come, first served: team-b's six last.
    const inTurn = batchActivities.slice(0, 12).map((label) => label[0]).join('');
    assert.match(inTurn, /^(ab|ba){6}$/, `the replay's first twelve agent calls alternate between the teams: ${batchActivities.join(' ')}`);

    // Its first workflow task is where a run starts. Two slots mean two polls at once, whose
    // start events the server may record a moment out of order: the same picture, give or take one.
    const workflowOrder = await orderOf(harness.client, runs, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
    assert.ok(live.every((label) => workflowOrder.indexOf(label) <= 3), `the live runs start first, though queued last: ${workflowOrder.join(' ')}`);
    const batchRuns = workflowOrder.filter((label) => !label.startsWith('live'));
    const lastOfTeamB = Math.max(...teamB.map((label) => batchRuns.indexOf(label)));
    assert.ok(lastOfTeamB <= 12, `team-b's runs start in turn with team-a's, not after them: ${batchRuns.join(' ')}`);

    // Under load: 20 runs were waiting, yet every live run finished before any replayed run did.
    const completed = harness.recorder.on(harness.config.topics.completed).map((record) => researchCompletedSchema.parse(JSON.parse(record.value.toString())));
    const finishedAt = (events: typeof completed): number[] => events.map((event) => Date.parse(event.timings.completedAt));
    const liveFinished = Math.max(...finishedAt(completed.filter((event) => event.epoch === undefined)));
    const firstBatchFinished = Math.min(...finishedAt(completed.filter((event) => event.epoch === epoch)));
    assert.equal(completed.filter((event) => event.epoch === undefined).length, 3);
    assert.ok(liveFinished < firstBatchFinished, `the last live run finished ${firstBatchFinished - liveFinished} ms before the first replayed one`);
  });
});
