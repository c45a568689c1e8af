import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { untilRunClosed } from '../../operator/replay/runClosure';
import { testConfig, uniqueName } from '../support/testInfrastructure';

/** Runs nobody carries out (their task queue has no worker): they stay open until terminated. */
describe('untilRunClosed, on the real Temporal server', () => {
  let connection: Connection;
  let client: Client;
  const taskQueue = uniqueName('no-worker');

  before(async () => {
    connection = await Connection.connect({ address: testConfig().temporal.address });
    client = new Client({ connection });
  });
  after(async () => {
    await connection.close();
  });

  const openRun = async (name: string) => {
    const workflowId = uniqueName(name);
    await client.workflow.start('ResearchWorkflow', { taskQueue, workflowId, args: [{}] });
    return workflowId;
  };

  it('waits while the run is open and ends once it has closed (terminated: a failure, not an error)', async () => {
    const workflowId = await openRun('closure');
    let closed = false;
    const waiting = untilRunClosed(client, workflowId, new AbortController().signal).then(() => (closed = true));
    // The run is open: a describe settles it, and the wait is still pending after it.
    assert.equal((await client.workflow.getHandle(workflowId).describe()).status.name, 'RUNNING');
    assert.equal(closed, false);
    await client.workflow.getHandle(workflowId).terminate('test');
    await waiting;
    assert.equal(closed, true);
  });

  it('ends at once when its signal aborts, the run still open', async () => {
    const workflowId = await openRun('abandoned');
    const stop = new AbortController();
    const waiting = untilRunClosed(client, workflowId, stop.signal);
    stop.abort();
    await waiting;
    assert.equal((await client.workflow.getHandle(workflowId).describe()).status.name, 'RUNNING');
    await client.workflow.getHandle(workflowId).terminate('test');
  });
});
