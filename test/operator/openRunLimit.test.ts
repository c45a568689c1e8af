import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OpenRunLimit } from '../../operator/replay/openRunLimit';

describe('OpenRunLimit', () => {
  it('grants room up to its limit, then only as watched runs close or unused room is released, in arrival order', async () => {
    const closers = new Map<string, () => void>();
    const limit = new OpenRunLimit(2, (id) => new Promise<void>((resolve) => closers.set(id, resolve)));
    await limit.acquire();
    limit.watch('a');
    await limit.acquire();
    limit.watch('b');
    const granted: string[] = [];
    const third = limit.acquire().then(() => granted.push('third'));
    const fourth = limit.acquire().then(() => granted.push('fourth'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(granted, [], 'two runs open: nobody else gets room');
    closers.get('b')?.();
    await third;
    assert.deepEqual(granted, ['third']);
    limit.release(); // the third started nothing
    await fourth;
    assert.deepEqual(granted, ['third', 'fourth']);
    assert.equal(limit.count, 2, 'a and the fourth');
  });

  it('gives room back when a run fails, and a waiter gives up when its signal aborts', async () => {
    const limit = new OpenRunLimit(1, () => Promise.reject(new Error('the run failed')));
    await limit.acquire();
    limit.watch('x');
    await limit.acquire(); // x closed (failed): its room came back
    const stop = new AbortController();
    const waiting = limit.acquire(stop.signal);
    stop.abort(new Error('replay stopped'));
    await assert.rejects(waiting, /replay stopped/);
    assert.equal(limit.count, 1);
  });

  it('close() stops watching: every watch still waiting ends (its signal aborted) before close() resolves', async () => {
    const limit = new OpenRunLimit(2, (_, signal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })));
    await limit.acquire();
    limit.watch('still-running');
    await limit.close();
    assert.equal(limit.count, 0, 'the watch ended and gave its room back');
  });
});
