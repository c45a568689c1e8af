import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { tally } from '../../../dev/chaos/chaosLedger';
import type { ChaosRecord } from '../../../dev/chaos/chaosRecord';
import { chaosScale } from '../../../dev/chaos/chaosScale';
import { scenarioById } from '../../../dev/chaos/chaosScenarios';
import { serversFromEnv } from '../../../dev/chaos/chaosServers';
import { formatChaosTable } from '../../../dev/chaos/chaosTable';
import { isHostile } from '../../../dev/chaos/hostileRecords';
import { runScenario } from '../../../dev/chaos/scenarioRun';

describe('chaos: hostile records from a second, non-kafkajs client', () => {
  it('50 good requests interleaved with a round of hostile records from the Java console producer: each hostile record one DLQ record with its reason (or one run), each good request one run, nothing lost or doubled', async () => {
    const scale = chaosScale('small', { CHAOS_MIXED: '50' });
    const runId = `t${randomUUID().slice(0, 8)}`;
    const logDirectory = fs.mkdtempSync(path.join(os.tmpdir(), `chaos-${runId}-`));
    const log = process.env.TEST_LOG ? (line: string) => console.log(line) : undefined;
    const result = await runScenario(scenarioById(8), { servers: serversFromEnv(), scale, seed: 'test', runId, logDirectory, ...(log ? { log } : {}) });
    try {
      const { tally: counts } = result;
      const records = result.scenario.records('x', scale, 'test');
      const good = records.filter((record) => record.expect === 'good').length;
      assert.equal(counts.lost, 0, 'no record without a terminal event or its DLQ record');
      assert.equal(counts.duplicateRuns, 0, 'no request with a second run');
      assert.equal(counts.conflictingTerminals, 0, 'no request with two different terminal events');
      assert.deepEqual(counts.violations, [], 'no good request dead-lettered, no hostile record run, no DLQ record twice');
      assert.deepEqual(counts.reasonMismatches, [], 'each hostile record dead-lettered with the reason for what is wrong with it');
      assert.equal(counts.runs, good, 'one run per good request (those the Java client sent with null header values or zstd too)');
      assert.equal(counts.dlqRecords, records.length - good, 'one DLQ record per hostile record');
      assert.ok(result.settled, 'every run closed and the consumer group caught up: no partition stalled');
      assert.ok(result.proofs.length > 0, `every hostile record got its expected reason (notes: ${result.notes.join('; ')})`);
    } catch (error) {
      console.log(`${formatChaosTable([result])}\nrelay logs in ${logDirectory}`);
      throw error;
    }
    fs.rmSync(logDirectory, { recursive: true, force: true });
  });
});

// The scenario's records share keys (a reused id, a cancel of a good request) or have none in
// their letters: the ledger must still count every one of them, and every way they go wrong.
describe('the chaos ledger with hostile records', () => {
  const records = scenarioById(8).records('l', chaosScale('small', { CHAOS_MIXED: '4' }), 'ledger');
  const good = records.filter((record) => record.expect === 'good');
  const keyed = records.filter((record) => record.expect === 'poison' && !record.anonymous);
  const anonymous = records.filter((record) => record.anonymous);
  const run = (key: string, runId = 'r') => ({ workflowId: `pre-${key}`, runId, open: false });
  const letter = (record: ChaosRecord, key: string | undefined = record.anonymous ? undefined : record.key) => ({ topic: 'x.dlq', key, label: record.reason });
  const clean = {
    runs: good.map((record) => run(record.key)),
    terminal: good.map((record) => ({ topic: 'x.completed', key: record.key, label: `event-${record.key}` })),
    deadLetters: [...keyed, ...anonymous].map((record) => letter(record)),
    lag: 0,
  };

  it('counts a clean picture as clean: the reused and cancelled requests ran once, and their poison has its own letters', () => {
    assert.ok(records.some((record) => record.expect === 'poison' && good.some((other) => other.key === record.key)), 'poison shares its key with a good request');
    assert.ok(anonymous.length > 0 && records.some(isHostile));
    const result = tally(records, clean, 'pre-');
    assert.deepEqual([result.lost, result.duplicateRuns, result.violations, result.reasonMismatches], [0, 0, [], []]);
    assert.equal(result.sent, records.length);
  });

  it('counts a missing letter (of a shared key, of an anonymous record) as lost, and a letter too many as a violation', () => {
    const shared = keyed.find((record) => good.some((other) => other.key === record.key)) as ChaosRecord;
    const solo = keyed.find((record) => !good.some((other) => other.key === record.key)) as ChaosRecord;
    const keyless = anonymous.filter((record) => record.reason === 'missing-key');
    const deadLetters = [...clean.deadLetters.filter((seen) => seen.key !== shared.key && seen.label !== 'inflated-too-large'), letter(solo), letter(keyless[0] as ChaosRecord)];
    const result = tally(records, { ...clean, deadLetters }, 'pre-');
    assert.equal(result.lost, 2, `${shared.key}'s ${shared.reason ?? ''} letter and the gzip bomb's are missing`);
    assert.deepEqual(result.violations, [`poison record ${solo.key} dead-lettered 2×`, `1 DLQ record(s) without a key and with reason missing-key beyond the ${keyless.length} expected`]);
  });

  it('counts a good request whose run never ended as lost, though its key has a letter (the poison’s)', () => {
    const shared = good.find((record) => keyed.some((other) => other.key === record.key)) as ChaosRecord;
    const result = tally(records, { ...clean, terminal: clean.terminal.filter((seen) => seen.key !== shared.key) }, 'pre-');
    assert.equal(result.lost, 1);
  });
});
