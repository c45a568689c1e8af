import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConnectionLike } from '@temporalio/client';
import { TemporalReachability } from '../../../src/temporal/temporalReachability';

/** A connection whose GetSystemInfo answers after `answerMs` (or never), ignoring its deadline like a retrying SDK. */
function connection(answerMs: number | undefined): ConnectionLike & { calls: number } {
  const fake = {
    calls: 0,
    workflowService: {
      getSystemInfo: () => {
        fake.calls += 1;
        return new Promise((resolve) => {
          if (answerMs !== undefined) setTimeout(() => resolve({}), answerMs);
        });
      },
    },
    withDeadline: <R>(_deadline: number, fn: () => Promise<R>) => fn(),
  };
  return fake as unknown as ConnectionLike & { calls: number };
}

describe('Temporal reachability for /readyz', () => {
  it('answers unreachable at its deadline even when the connection keeps retrying past it, and starts no second call meanwhile', async () => {
    const hanging = connection(undefined);
    const reachability = new TemporalReachability(hanging, { timeoutMs: 200, maxAgeMs: 0 });
    const started = Date.now();
    const answer = await reachability.check();
    const took = Date.now() - started;
    assert.deepEqual(answer, { reachable: false, detail: 'unreachable: no answer within 0.2 s' });
    assert.ok(took < 1000, `answered in ${took} ms`);
    await reachability.check();
    assert.equal(hanging.calls, 1, 'the call still running is shared, not repeated');
  });

  it('answers reachable when the server answers in time, and reuses the answer while it is fresh', async () => {
    const prompt = connection(10);
    const reachability = new TemporalReachability(prompt, { timeoutMs: 1000, maxAgeMs: 60_000 });
    assert.deepEqual(await reachability.check(), { reachable: true, detail: 'reachable' });
    assert.deepEqual(await reachability.check(), { reachable: true, detail: 'reachable' });
    assert.equal(prompt.calls, 1);
  });
});
