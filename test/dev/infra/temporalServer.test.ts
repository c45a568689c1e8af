import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import type { workerProbeWorkflow } from '../../support/probeWorkflow/workerProbeWorkflow';
import { startIdempotently } from '../../../src/temporal/idempotentStart';
import { uniqueName } from '../../support/testInfrastructure';
import { startTestWorker, type TestWorker } from '../../support/testWorker';

describe('the local Temporal dev server', () => {
  const taskQueue = uniqueName('infra-queue');
  let client: Client;
  let worker: TestWorker;

  before(async () => {
    worker = await startTestWorker({ taskQueue, workflowsPath: require.resolve('../../support/probeWorkflow/workerProbeWorkflow') });
    client = worker.client;
  });

  after(async () => {
    // Also after a failed before(): a worker that never started has nothing to stop.
    await worker?.stop();
  });

  it('runs a workflow bundled from workflows/ on a real worker', async () => {
    const result = await client.workflow.execute<typeof workerProbeWorkflow>('workerProbeWorkflow', { taskQueue, workflowId: uniqueName('probe'), args: ['hello'] });
    assert.equal(result, 'probe:hello');
  });

  it('refuses a second run for a workflow id that already completed (reject-duplicate)', async () => {
    const workflowId = uniqueName('probe-dup');
    const first = await startIdempotently(client, 'workerProbeWorkflow', { taskQueue, workflowId, args: ['one'], reusePolicy: 'reject-duplicate' });
    assert.equal(first.kind, 'started');
    assert.equal(await client.workflow.getHandle(workflowId).result(), 'probe:one');
    const second = await startIdempotently(client, 'workerProbeWorkflow', { taskQueue, workflowId, args: ['two'], reusePolicy: 'reject-duplicate' });
    assert.equal(second.kind, 'duplicate');
    const runs = [];
    for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(run.runId);
    assert.equal(runs.length, 1, 'exactly one run exists for the id');
  });

  it('a second start of a run that is still running is a duplicate of it: no second run', async () => {
    const workflowId = uniqueName('probe-running');
    const otherQueue = uniqueName('no-worker'); // nobody polls it, so the run stays open
    const first = await startIdempotently(client, 'workerProbeWorkflow', { taskQueue: otherQueue, workflowId, args: ['x'], reusePolicy: 'reject-duplicate' });
    const second = await startIdempotently(client, 'workerProbeWorkflow', { taskQueue: otherQueue, workflowId, args: ['y'], reusePolicy: 'reject-duplicate' });
    assert.equal(first.kind, 'started');
    assert.equal(second.kind, 'duplicate');
    const runs = [];
    for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(run.runId);
    assert.equal(runs.length, 1, 'one run');
    await client.workflow.getHandle(workflowId).terminate('test cleanup');
  });
});
