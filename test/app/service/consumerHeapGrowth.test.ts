import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { consumerHeapGrowthFlag } from '../../../app/service/consumerHeapGrowth';

describe('the heap growth of a consumer-only process', () => {
  it('is a flag this node accepts (a renamed V8 flag would otherwise be ignored without a word)', () => {
    const flag = consumerHeapGrowthFlag([], undefined);
    assert.equal(flag, '--heap-growing-percent=10');
    const run = spawnSync(process.execPath, [flag, '-e', '0'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(spawnSync(process.execPath, ['--heap-growing-percentage=10', '-e', '0']).status === 0, false, 'node accepts unknown flags: the check above proves nothing');
  });

  it("leaves an operator's own setting alone, on node's command line or in NODE_OPTIONS", () => {
    assert.equal(consumerHeapGrowthFlag(['--heap-growing-percent=50'], undefined), undefined);
    assert.equal(consumerHeapGrowthFlag([], '--max-old-space-size=512 --heap-growing-percent=30'), undefined);
    assert.equal(consumerHeapGrowthFlag(['--max-semi-space-size=4'], '--max-old-space-size=512'), '--heap-growing-percent=10');
  });
});
