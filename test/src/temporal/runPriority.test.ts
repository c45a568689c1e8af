import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { loadRelayConfig } from '../../../src/config/relayConfig';
import { ConfigurationError } from '../../../src/errors';
import { fairnessKeyOf, priorityKeys, runPriority } from '../../../src/temporal/runPriority';

const request = (extra: Record<string, unknown> = {}) => ({ requestId: 'r-1', query: 'How do heat pumps perform?', ...extra });

describe('the Temporal priority of a run', () => {
  it('puts live runs ahead of batch runs, with Temporal’s default (3) between them', () => {
    const { temporal } = loadRelayConfig({});
    assert.equal(runPriority(request(), 'live', temporal).priorityKey, 2);
    assert.equal(runPriority(request(), 'batch', temporal).priorityKey, 4);
    assert.ok(priorityKeys.live < 3 && 3 < priorityKeys.batch, 'runs started by anything else (priority 3) go between');
  });

  it('names the tenant by metadata.team by default; a request without one shares the default key with the others that have none', () => {
    const { temporal } = loadRelayConfig({});
    assert.deepEqual(runPriority(request({ metadata: { team: 'energy' } }), 'live', temporal), { priorityKey: 2, fairnessKey: 'energy' });
    assert.deepEqual(runPriority(request({ requestedBy: 'ana', metadata: { other: 'x' } }), 'batch', temporal), { priorityKey: 4 });
    assert.deepEqual(runPriority(request({ metadata: { team: '' } }), 'batch', temporal), { priorityKey: 4 }, 'an empty value is none');
  });

  it('reads the field FAIRNESS_KEY_FIELD names: requestedBy, or any metadata key (dots included)', () => {
    const bySender = loadRelayConfig({ FAIRNESS_KEY_FIELD: 'requestedBy' }).temporal;
    assert.equal(runPriority(request({ requestedBy: 'ana', metadata: { team: 'energy' } }), 'live', bySender).fairnessKey, 'ana');
    const byCostCentre = loadRelayConfig({ FAIRNESS_KEY_FIELD: 'metadata.cost.centre' }).temporal;
    assert.equal(runPriority(request({ metadata: { 'cost.centre': 'cc-7', team: 'energy' } }), 'live', byCostCentre).fairnessKey, 'cc-7');
  });

  it('reads only the request’s own metadata entries: a key named like an Object method is absent when the request has none', () => {
    for (const key of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const { temporal } = loadRelayConfig({ FAIRNESS_KEY_FIELD: `metadata.${key}` });
      assert.deepEqual(runPriority(request({ metadata: { team: 'energy' } }), 'live', temporal), { priorityKey: 2 }, key);
      assert.deepEqual(runPriority(request(), 'live', temporal), { priorityKey: 2 }, `${key}, no metadata`);
    }
    const { temporal } = loadRelayConfig({ FAIRNESS_KEY_FIELD: 'metadata.constructor' });
    assert.equal(runPriority(request({ metadata: { constructor: 'cc-7' } }), 'live', temporal).fairnessKey, 'cc-7', 'and present when it has one');
  });

  it('gives the tenants FAIRNESS_WEIGHTS lists their weight, and the others none (Temporal’s 1)', () => {
    const { temporal } = loadRelayConfig({ FAIRNESS_WEIGHTS: 'team-a:3, org:team-b:0.5' });
    assert.deepEqual(runPriority(request({ metadata: { team: 'team-a' } }), 'batch', temporal), { priorityKey: 4, fairnessKey: 'team-a', fairnessWeight: 3 });
    assert.equal(runPriority(request({ metadata: { team: 'org:team-b' } }), 'batch', temporal).fairnessWeight, 0.5, 'the last colon separates the weight');
    assert.equal(runPriority(request({ metadata: { team: 'team-c' } }), 'batch', temporal).fairnessWeight, undefined);
  });

  it('reads FAIRNESS_WEIGHTS with spaces around the colon as written without them, and names a missing weight as such', () => {
    assert.deepEqual([...loadRelayConfig({ FAIRNESS_WEIGHTS: 'team-a : 3 , org:team-b :0.5' }).temporal.fairness.weights], [['team-a', 3], ['org:team-b', 0.5]]);
    for (const value of ['team-a:', 'team-a: ']) {
      assert.throws(() => loadRelayConfig({ FAIRNESS_WEIGHTS: value }), (error: unknown) => error instanceof ConfigurationError && error.message.includes('is not key:weight'), value);
    }
  });

  it('weights a tenant whose name is longer than a fairness key by its whole name, its key cut as any other', () => {
    const tenant = 'x'.repeat(70);
    const { temporal } = loadRelayConfig({ FAIRNESS_WEIGHTS: `${tenant}:2` });
    assert.deepEqual(runPriority(request({ metadata: { team: tenant } }), 'batch', temporal), { priorityKey: 4, fairnessKey: fairnessKeyOf(tenant), fairnessWeight: 2 });
  });

  it('keeps every key within Temporal’s 64 bytes, and two long tenant names that share a prefix apart', () => {
    const long = `${'ü'.repeat(40)}-a`;
    const other = `${'ü'.repeat(40)}-b`;
    for (const tenant of [long, other, 'x'.repeat(65), '🦜'.repeat(30)]) assert.ok(Buffer.byteLength(fairnessKeyOf(tenant)) <= 64, tenant);
    assert.notEqual(fairnessKeyOf(long), fairnessKeyOf(other));
    assert.equal(fairnessKeyOf(long), fairnessKeyOf(long), 'the same tenant, the same key');
    assert.equal(fairnessKeyOf('x'.repeat(64)), 'x'.repeat(64), 'a key that fits is kept as it is');
  });

  it('with payload encryption on, Temporal never sees the tenant: a keyed hash, the same for the same tenant and keys, another under other keys', () => {
    const keys = (id: string) => loadRelayConfig({ PAYLOAD_ENCRYPTION_KEYS: `${id}:${randomBytes(32).toString('base64')}` }).temporal;
    const sealed = keys('a');
    const key = runPriority(request({ metadata: { team: 'team-secret' } }), 'live', sealed).fairnessKey ?? '';
    assert.match(key, /^h:[0-9a-f]{32}$/);
    assert.doesNotMatch(key, /team-secret/);
    assert.equal(runPriority(request({ metadata: { team: 'team-secret' } }), 'batch', sealed).fairnessKey, key);
    assert.notEqual(runPriority(request({ metadata: { team: 'team-other' } }), 'live', sealed).fairnessKey, key);
    assert.notEqual(runPriority(request({ metadata: { team: 'team-secret' } }), 'live', keys('b')).fairnessKey, key, 'not a plain hash anyone could compute');
    const weighted = { ...sealed, fairness: loadRelayConfig({ FAIRNESS_WEIGHTS: 'team-secret:3' }).temporal.fairness };
    assert.equal(runPriority(request({ metadata: { team: 'team-secret' } }), 'live', weighted).fairnessWeight, 3, 'weights still apply by the tenant’s name');
  });

  it('refuses a field it cannot read and weights Temporal would not take, naming the variable', () => {
    for (const [variable, value] of [
      ['FAIRNESS_KEY_FIELD', 'query'],
      ['FAIRNESS_KEY_FIELD', 'metadata.'],
      ['FAIRNESS_WEIGHTS', 'team-a'],
      ['FAIRNESS_WEIGHTS', 'team-a:heavy'],
      ['FAIRNESS_WEIGHTS', 'team-a:0'],
      ['FAIRNESS_WEIGHTS', 'team-a:2000'],
      ['FAIRNESS_WEIGHTS', 'team-a:1,team-a:2'],
    ] as const) {
      assert.throws(
        () => loadRelayConfig({ [variable]: value }),
        (error: unknown) => error instanceof ConfigurationError && error.message.includes(`${variable}=`),
        `${variable}=${value} is refused`,
      );
    }
  });
});
