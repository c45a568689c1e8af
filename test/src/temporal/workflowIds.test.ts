import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestIdSchema } from '../../../src/contracts/requestId';
import { loadRelayConfig } from '../../../src/config/relayConfig';
import { workflowIdFor } from '../../../src/temporal/workflowIds';

describe('workflow ids', () => {
  it('a live request id can never name a rerun: live batch-1-r9 and the epoch-9 rerun of batch-1 are different runs', () => {
    assert.notEqual(workflowIdFor('research-', 'batch-1-r9'), workflowIdFor('research-', 'batch-1', 9));
    assert.equal(workflowIdFor('research-', 'batch-1', 9), 'research-batch-1~r9');
  });

  it('keeps the two id spaces disjoint for every valid request id and prefix: the rerun separator is a character neither may hold', () => {
    assert.equal(requestIdSchema.safeParse('batch-1~r9').success, false, 'no request id contains the separator');
    assert.throws(() => loadRelayConfig({ WORKFLOW_ID_PREFIX: 'research~' }), /WORKFLOW_ID_PREFIX/, 'nor does a prefix');
    for (const requestId of ['a', 'batch-1', 'batch-1-r9', 'x.y:z_1-r12', 'r9']) {
      for (const epoch of [1, 9, 12]) {
        const rerun = workflowIdFor('research-', requestId, epoch);
        const live = rerun.slice('research-'.length);
        assert.equal(requestIdSchema.safeParse(live).success, false, `${rerun} is no live request's id`);
      }
    }
  });
});
