import assert from 'node:assert/strict';
import type { Client, Connection } from '@temporalio/client';
import { after, before, describe, it } from 'node:test';
import { runTraceId } from '../../../operator/traces/runTraceId';
import { TemporalUnavailableError } from '../../../src/errors';
import { testTemporalClient, uniqueName } from '../../support/testInfrastructure';

describe('the trace id Temporal keeps for a run', () => {
  let client: Client;
  let connection: Connection;
  const taskQueue = uniqueName('trace-id-queue'); // no worker polls it: the runs only need to exist
  const started: string[] = [];

  before(async () => {
    ({ client, connection } = await testTemporalClient());
  });
  after(async () => {
    await Promise.all(started.map((workflowId) => client.workflow.getHandle(workflowId).terminate('test over').catch(() => undefined)));
    await connection.close();
  });

  async function run(memo: Record<string, unknown>): Promise<string> {
    const workflowId = uniqueName('research-trace-id');
    await client.workflow.start('ResearchWorkflow', { taskQueue, workflowId, args: [], memo });
    started.push(workflowId);
    return workflowId;
  }

  it('reads it from the run’s memo, and says when there is no run, no trace id, or no Temporal to ask', async () => {
    const withTrace = await run({ requestId: 'r', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
    assert.deepEqual(await runTraceId(() => Promise.resolve(client), withTrace), { kind: 'found', workflowId: withTrace, traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
    const without = await run({ requestId: 'r' });
    assert.deepEqual(await runTraceId(() => Promise.resolve(client), without), { kind: 'no-trace-id', workflowId: without });
    assert.deepEqual(await runTraceId(() => Promise.resolve(client), 'research-never-started'), { kind: 'no-run', workflowId: 'research-never-started' });
    const down = () => Promise.reject(new TemporalUnavailableError('cannot reach Temporal at 127.0.0.1:1 (TEMPORAL_ADDRESS): refused'));
    assert.deepEqual(await runTraceId(down, 'research-x'), { kind: 'unavailable', workflowId: 'research-x', reason: 'cannot reach Temporal at 127.0.0.1:1 (TEMPORAL_ADDRESS): refused' });
  });
});
