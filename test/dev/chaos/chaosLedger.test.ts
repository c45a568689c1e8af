import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tally } from '../../../dev/chaos/chaosLedger';
import { goodRecords } from '../../../dev/chaos/chaosRecord';
import { poisonRecords } from '../../../dev/chaos/poisonRecords';

// The chaos table is only worth its zeros if the ledger counts what goes wrong: fed a picture
// with every kind of failure, it must report each one.
describe('the chaos ledger', () => {
  const records = [...goodRecords('l', 4), ...poisonRecords('l', 2)];
  const [g0, g1, g2, g3, p0, p1] = records.map((record) => record.key) as [string, string, string, string, string, string];
  const run = (key: string, runId: string, open = false) => ({ workflowId: `pre-${key}`, runId, open });

  it('counts a second run, two distinct terminal events, a lost request, a good request dead-lettered and a poison record that ran', () => {
    const result = tally(
      records,
      {
        runs: [run(g0, 'a'), run(g0, 'b'), run(g1, 'c'), run(g2, 'd', true), run(p0, 'e')],
        terminal: [
          { topic: 'x.completed', key: g0, label: 'event-1' },
          { topic: 'x.completed', key: g1, label: 'event-2' },
          { topic: 'x.failed', key: g1, label: 'event-3' },
          { topic: 'x.completed', key: g0, label: 'event-1' },
        ],
        deadLetters: [
          { topic: 'x.requested.dlq', key: p0, label: 'not-json' },
          { topic: 'x.requested.dlq', key: p1, label: 'schema-violation' },
          { topic: 'x.requested.dlq', key: g3, label: 'schema-violation' },
        ],
        lag: 0,
      },
      'pre-',
    );
    assert.equal(result.sent, 6);
    assert.equal(result.runs, 5);
    assert.equal(result.openRuns, 1);
    assert.equal(result.terminalEvents, 4, 'every record, a re-published one included');
    assert.equal(result.failedEvents, 1);
    assert.equal(result.repeatedEvents, 1, `${g0}'s event-1 was published twice`);
    assert.deepEqual(result.repeatedEventKeys, [g0]);
    assert.equal(result.duplicateRuns, 1, `${g0} ran twice`);
    assert.equal(result.conflictingTerminals, 1, `${g1} has two different eventIds; ${g0}'s repeat has the same one`);
    assert.equal(result.lost, 1, `${g2} has a run but no terminal event and no DLQ record`);
    assert.deepEqual(result.dlqReasons, { 'not-json': 1, 'schema-violation': 2 });
    assert.deepEqual(result.reasonMismatches, [], 'each poison record got the reason it was made for');
    assert.deepEqual(result.violations, [`good request ${g3} dead-lettered 1×`, `poison record ${p0} started 1 run(s)`]);
  });

  it('reports a clean picture as clean', () => {
    const result = tally(
      records,
      {
        runs: [g0, g1, g2, g3].map((key, index) => run(key, String(index))),
        terminal: [g0, g1, g2, g3].map((key) => ({ topic: 'x.completed', key, label: `event-${key}` })),
        deadLetters: [p0, p1].map((key) => ({ topic: 'x.requested.dlq', key, label: 'not-json' })),
        lag: 0,
      },
      'pre-',
    );
    assert.deepEqual([result.lost, result.duplicateRuns, result.conflictingTerminals, result.violations.length], [0, 0, 0, 0]);
    assert.deepEqual(result.reasonMismatches, [`${p1}: not-json, expected schema-violation`], 'a wrong reason is reported, though nothing was lost');
  });
});
