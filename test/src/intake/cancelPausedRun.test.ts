import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { cancelResearchRun } from '../../../src/intake/researchRunCanceller';
import { startStrictTemporal, type StrictTemporal } from '../../support/strictTemporal';
import { tearDown } from '../../support/teardown';

describe('a cancel for a run that is open but not RUNNING', () => {
  let strict: StrictTemporal;
  let connection: Connection;
  let client: Client;

  before(async () => {
    // A throw-away dev server with workflow pause on (an experimental server feature, off by default).
    strict = await startStrictTemporal({ 'frontend.WorkflowPauseEnabled': 'true' });
    connection = await Connection.connect({ address: strict.address });
    client = new Client({ connection });
  });
  after(() =>
    tearDown(
      () => connection?.close(),
      () => strict?.stop(),
    ),
  );

  it('reaches a paused run (status PAUSED): the note and the cancel are recorded, taken when it resumes', async () => {
    const workflowId = `research-paused-${randomUUID()}`;
    // No worker polls this queue: the run stays open.
    const handle = await client.workflow.start('ResearchWorkflow', { taskQueue: `no-worker-${randomUUID()}`, workflowId, args: [] });
    await client.workflowService.pauseWorkflowExecution({ namespace: 'default', workflowId, reason: 'operator pause', requestId: randomUUID() });
    assert.equal((await handle.describe()).status.name, 'PAUSED');

    assert.equal(await cancelResearchRun(client, workflowId, { requestId: 'paused', reason: 'no longer needed' }), 'requested');
    const history = (await handle.fetchHistory()).events ?? [];
    assert.ok(history.some((event) => event.workflowExecutionSignaledEventAttributes?.signalName === 'runCancelNote'), 'the note reached the run');
    assert.ok(history.some((event) => event.workflowExecutionCancelRequestedEventAttributes), 'the cancel reached the run');
    await handle.terminate('test done');
    assert.equal(await cancelResearchRun(client, workflowId, { requestId: 'paused' }), 'finished', 'a closed run is left alone');
  });
});
