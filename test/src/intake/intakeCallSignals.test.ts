import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Client } from '@temporalio/client';
import type { KafkaMessage } from 'kafkajs';
import { withCallSignal } from '../../../src/concurrency/callSignal';
import { loadRelayConfig } from '../../../src/config/relayConfig';
import { RequestIntake, type IntakeMode } from '../../../src/intake/requestIntake';
import { silentLogger } from '../../../src/logging/logger';

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/** A Temporal client that, like the real one, leaves an abort listener on each call's signal (holding what the call held). */
function clientKeepingListeners(held: WeakRef<object>[]): Client {
  let signal: AbortSignal | undefined;
  return {
    withAbortSignal: <R>(callSignal: AbortSignal, fn: () => Promise<R>) => {
      signal = callSignal;
      return fn();
    },
    workflow: {
      start: (_type: unknown, options: { workflowId: string }) => {
        const payload = { workflowId: options.workflowId, bytes: Buffer.alloc(10_000) };
        held.push(new WeakRef(payload));
        signal?.addEventListener('abort', () => payload.bytes.length);
        signal = undefined;
        return Promise.resolve({ workflowId: options.workflowId, firstExecutionRunId: 'run' });
      },
    },
  } as unknown as Client;
}

const mode: IntakeMode = { conflict: 'use-existing', deadLetters: 'write', cancels: 'deliver', trace: 'continue' };
const record = (id: string): KafkaMessage =>
  ({ key: Buffer.from(id), value: Buffer.from(JSON.stringify({ requestId: id, query: `question ${id}` })), headers: {}, offset: '0', timestamp: String(Date.now()), attributes: 0 });

describe('the signals of the intake path’s Temporal calls', () => {
  it('a start’s call holds nothing after it ends, however long the consumer’s own signal lives', async () => {
    const held: WeakRef<object>[] = [];
    const intake = new RequestIntake({ temporal: clientKeepingListeners(held), config: loadRelayConfig({}), logger: silentLogger });
    const consumerLifetime = new AbortController();
    const control = { signal: consumerLifetime.signal, canContinue: () => true };
    for (let i = 0; i < 50; i += 1) assert.equal((await intake.admit(record(`r-${i}`), { topic: 't', partition: 0, offset: String(i) }, mode, control))?.kind, 'started');
    await nextTurn();
    collectGarbage();
    await nextTurn();
    collectGarbage();
    assert.equal(held.filter((ref) => ref.deref() !== undefined).length, 0, 'every call’s payload was collected while the consumer still runs');
  });

  it('a call’s signal aborts with its parent', async () => {
    const parent = new AbortController();
    const aborted = await withCallSignal(parent.signal, (signal) => {
      const seen = new Promise<unknown>((resolve) => signal.addEventListener('abort', () => resolve(signal.reason)));
      parent.abort('stop');
      return seen;
    });
    assert.equal(aborted, 'stop');
    const parentGone = new AbortController();
    parentGone.abort('already');
    assert.equal(await withCallSignal(parentGone.signal, (signal) => Promise.resolve(signal.aborted)), true);
  });
});
