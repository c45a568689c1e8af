import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { consumerHeapGrowthFlag } from '../../../app/service/consumerHeapGrowth';

describe('the heap growth of a consumer-only process (CONSUMER_HEAP_GROWING_PERCENT)', () => {
  it('is a flag this node accepts (a renamed V8 flag would otherwise be ignored without a word)', () => {
    const flag = consumerHeapGrowthFlag(10);
    assert.equal(flag, '--heap-growing-percent=10');
    const run = spawnSync(process.execPath, [flag, '-e', '0'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.notEqual(spawnSync(process.execPath, ['--heap-growing-percentage=10', '-e', '0']).status, 0, 'node accepts unknown flags: the check above proves nothing');
  });

  it("is set at run time: node refuses it in NODE_OPTIONS, so that is no way to set it", () => {
    const run = spawnSync(process.execPath, ['-e', '0'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '--heap-growing-percent=30' } });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /not allowed in NODE_OPTIONS/);
  });

  it("is V8's own default with 0", () => {
    assert.equal(consumerHeapGrowthFlag(0), undefined);
  });

  it("leaves a value given on node's command line alone", () => {
    assert.equal(consumerHeapGrowthFlag(10, ['--max-semi-space-size=4', '--heap-growing-percent=30']), undefined);
    assert.equal(consumerHeapGrowthFlag(10, ['--heap_growing_percent=30']), undefined);
    assert.equal(consumerHeapGrowthFlag(10, ['--max-semi-space-size=4']), '--heap-growing-percent=10');
  });
});
