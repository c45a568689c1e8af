import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadRelayConfig } from '../../../src/config/relayConfig';
import { ConfigurationError } from '../../../src/errors';

describe('the worker’s slots in the configuration', () => {
  it('carries out 50 activities and 40 workflow tasks at once unless WORKER_ACTIVITY_SLOTS / WORKER_WORKFLOW_TASK_SLOTS say otherwise', () => {
    assert.deepEqual(loadRelayConfig({}).workerSlots, { activities: 50, workflowTasks: 40 });
    assert.deepEqual(loadRelayConfig({ WORKER_ACTIVITY_SLOTS: '1', WORKER_WORKFLOW_TASK_SLOTS: '2' }).workerSlots, { activities: 1, workflowTasks: 2 });
  });

  it('refuses no slots, and one workflow-task slot (the SDK needs two for its cached runs), naming the variable', () => {
    for (const [variable, value] of [['WORKER_ACTIVITY_SLOTS', '0'], ['WORKER_WORKFLOW_TASK_SLOTS', '1'], ['WORKER_ACTIVITY_SLOTS', 'many']] as const) {
      assert.throws(
        () => loadRelayConfig({ [variable]: value }),
        (error: unknown) => error instanceof ConfigurationError && error.message.includes(`${variable}="${value}"`),
        `${variable}=${value} is refused`,
      );
    }
  });
});
