import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { researchRequestedSchema } from '../../src/contracts/researchRequested';
import { startResearchRun } from '../../src/intake/researchRunStarter';
import { newTraceContext } from '../../src/telemetry/traceContext';
import { batchRequest, produceBatch, replayBatch } from '../support/batchRequests';
import { countingTemporalClient, type CountingTemporalClient } from '../support/countingTemporalClient';
import { eventually } from '../support/eventually';
import { PipelineHarness } from '../support/pipelineHarness';
import { tearDown } from '../support/teardown';

const count = 300;
/** The runs that exist before the replays: the first 250 requests'. */
const existing = 250;
/** Whole partitions per fetch: about a hundred records per Kafka batch, as on a real backlog. */
const wholePartitions = 1024 * 1024;

describe('a replay checks which runs exist a few hundred at a time', () => {
  let harness: PipelineHarness;
  const clients: CountingTemporalClient[] = [];
  const counted = async (options: { laggingVisibility?: boolean } = {}): Promise<CountingTemporalClient> => {
    const counting = await countingTemporalClient(harness.config, options);
    clients.push(counting);
    return counting;
  };

  before(async () => {
    // No consumer and no worker: the runs started here stay open, and the replays alone act.
    harness = await PipelineHarness.start({ roles: { consumer: false, worker: false } });
    const ids = await produceBatch(harness, count);
    const topic = harness.config.topics.requested;
    await Promise.all(
      ids.slice(0, existing).map((_requestId, i) =>
        startResearchRun(harness.client, harness.config.temporal, {
          request: researchRequestedSchema.parse(batchRequest(i)),
          trace: newTraceContext(),
          location: { topic, partition: 0, offset: String(i) },
          urgency: 'batch',
        }),
      ),
    );
    // The pre-check reads Temporal's visibility, which lags a little behind the starts.
    await eventually(async () => ((await harness.client.workflow.count(`WorkflowId STARTS_WITH "${harness.config.temporal.workflowIdPrefix}"`)).count === existing ? true : undefined), 30_000, 'the runs to be listed');
  });
  // Also when a step throws: the harness is closed whatever the clients or the clean-up of runs did.
  after(() =>
    tearDown(
      ...clients.map((counting) => () => counting.close()),
      async () => {
        if (!(harness as PipelineHarness | undefined)) return;
        for await (const run of harness.client.workflow.list({ query: `WorkflowId STARTS_WITH "${harness.config.temporal.workflowIdPrefix}" AND ExecutionStatus = "Running"` })) {
          await harness.client.workflow.getHandle(run.workflowId).terminate('test cleanup').catch(() => undefined);
        }
      },
      () => harness?.close(),
    ),
  );

  it('skip-existing over 300 requests, 250 of which have runs, lists them in a few calls (no start each), skips all 250 and starts each of the other 50 exactly once', async () => {
    const { client, calls } = await counted();
    // Unlimited open runs: this counts calls (the next test keeps the limit).
    const summary = await replayBatch(harness, { temporal: client, from: { kind: 'beginning' }, mode: 'skip-existing', maxOpenRuns: Number.POSITIVE_INFINITY, maxBytesPerPartition: wholePartitions });
    assert.equal(summary.existing, existing);
    assert.equal(summary.started, count - existing);
    assert.equal(summary.errors, 0);
    const lists = calls.get('ListWorkflowExecutions') ?? 0;
    assert.ok(lists >= 1 && lists <= 10, `a list call per batch of a few hundred requests, not one per request (${lists})`);
    assert.equal(calls.get('StartWorkflowExecution'), count - existing, 'a start only for the requests with no listed run');
    assert.equal(calls.get('DescribeWorkflowExecution') ?? 0, 0);
    assert.equal(await harness.stableRunCount(), count, 'one run per request: nothing started twice');
    const missing = await Promise.all([existing, count - 1].map((i) => harness.runsOf(harness.workflowId(`batch-${i}`))));
    assert.deepEqual(missing.map((runs) => runs.length), [1, 1]);
  });

  it('a listed run takes no room under --max-open: skip-existing over 300 running runs with maxOpenRuns 5 and no worker finishes', async () => {
    // Stopped after 30 s: a replay that held room for them would wait for runs no worker closes.
    const summary = await replayBatch(harness, { from: { kind: 'beginning' }, mode: 'skip-existing', maxOpenRuns: 5, maxBytesPerPartition: wholePartitions, signal: AbortSignal.timeout(30_000) });
    assert.deepEqual([summary.existing, summary.started, summary.errors], [count, 0, 0], 'every request counted, none waited on');
  });

  it('a dry run counts from the same lists: no describe per request', async () => {
    const { client, calls } = await counted();
    const same = await replayBatch(harness, { temporal: client, from: { kind: 'beginning' }, mode: 'skip-existing', dryRun: true, maxBytesPerPartition: wholePartitions });
    assert.deepEqual([same.existing, same.started], [count, 0]);
    const fresh = await replayBatch(harness, { temporal: client, from: { kind: 'beginning' }, mode: 'rerun', epoch: 7, dryRun: true, maxBytesPerPartition: wholePartitions });
    assert.deepEqual([fresh.existing, fresh.started], [0, count], 'a new epoch would start every run');
    const lists = calls.get('ListWorkflowExecutions') ?? 0;
    assert.ok(lists >= 2 && lists <= 20, `a few list calls for 600 records (${lists})`);
    assert.equal(calls.get('DescribeWorkflowExecution') ?? 0, 0);
    assert.equal(calls.get('StartWorkflowExecution') ?? 0, 0);
  });

  it('a run the list does not show yet is still started idempotently: counted as existing, never a second run', async () => {
    const { client, calls } = await counted({ laggingVisibility: true });
    // Unlimited open runs: a refused start may be the replay's own run and holds room until it
    // closes, and no worker closes these.
    const summary = await replayBatch(harness, { temporal: client, from: { kind: 'beginning' }, mode: 'skip-existing', maxOpenRuns: Number.POSITIVE_INFINITY, maxBytesPerPartition: wholePartitions });
    assert.ok((calls.get('ListWorkflowExecutions') ?? 0) >= 1, 'the lagging list answered (the fault fired)');
    assert.equal(calls.get('StartWorkflowExecution'), count, 'nothing listed: every request goes to the idempotent start');
    assert.deepEqual([summary.existing, summary.started, summary.errors], [count, 0, 0]);
    assert.equal(await harness.stableRunCount(), count, 'still one run per request');
  });
});

describe('a listed run under WORKFLOW_ID_REUSE_POLICY=allow-duplicate-failed-only', () => {
  let harness: PipelineHarness;

  before(async () => {
    harness = await PipelineHarness.start({ roles: { consumer: false, worker: false }, env: { WORKFLOW_ID_REUSE_POLICY: 'allow-duplicate-failed-only' } });
  });
  after(async () => {
    await (harness as PipelineHarness | undefined)?.close();
  });

  it('a request whose run was terminated runs again under skip-existing, as its start would decide: no list call is made, as a listed run would not count under this policy', async () => {
    await produceBatch(harness, 1);
    const handle = await startResearchRun(harness.client, harness.config.temporal, {
      request: researchRequestedSchema.parse(batchRequest(0)),
      trace: newTraceContext(),
      location: { topic: harness.config.topics.requested, partition: 0, offset: '0' },
      urgency: 'batch',
    });
    await harness.client.workflow.getHandle(handle.workflowId).terminate('the run failed, for the test');
    await eventually(async () => ((await harness.client.workflow.count(`WorkflowId = "${handle.workflowId}" AND ExecutionStatus = "Terminated"`)).count === 1 ? true : undefined), 30_000, 'the terminated run to be listed');
    const counting = await countingTemporalClient(harness.config);
    const { calls } = counting;
    const summary = await replayBatch(harness, { temporal: counting.client, from: { kind: 'beginning' }, mode: 'skip-existing', maxOpenRuns: Number.POSITIVE_INFINITY, maxBytesPerPartition: wholePartitions }).finally(() => counting.close());
    assert.deepEqual([summary.started, summary.existing, summary.errors], [1, 0, 0]);
    assert.equal(calls.get('ListWorkflowExecutions') ?? 0, 0, 'no list call whose answer would not count');
    // Visibility lags a moment behind the new start.
    await eventually(async () => ((await harness.runsOf(handle.workflowId)).length === 2 ? true : undefined), 30_000, 'two runs listed: the terminated one and the new one');
    await harness.client.workflow.getHandle(handle.workflowId).terminate('test cleanup').catch(() => undefined);
  });
});
