import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chaosScale } from '../../../dev/chaos/chaosScale';
import { scenarioById } from '../../../dev/chaos/chaosScenarios';
import type { ChaosServers } from '../../../dev/chaos/chaosServers';
import { formatChaosTable } from '../../../dev/chaos/chaosTable';
import { runScenario, type ScenarioResult } from '../../../dev/chaos/scenarioRun';

/**
 * Runs a chaos scenario at the small scale (the same code as `npm run chaos`) on the given
 * servers, with names of its own; the relay's logs are kept only when an assertion fails.
 */
export async function runSmallScenario(id: number, servers: ChaosServers): Promise<ScenarioResult> {
  const runId = `t${randomUUID().slice(0, 8)}`;
  const logDirectory = fs.mkdtempSync(path.join(os.tmpdir(), `chaos-${runId}-`));
  const log = process.env.TEST_LOG ? (line: string) => console.log(line) : undefined;
  const result = await runScenario(scenarioById(id), { servers, scale: chaosScale('small', {}), seed: 'test', runId, logDirectory, ...(log ? { log } : {}) });
  try {
    assertScenarioHeld(result);
  } catch (error) {
    console.log(`${formatChaosTable([result])}\nrelay logs in ${logDirectory}`);
    throw error;
  }
  fs.rmSync(logDirectory, { recursive: true, force: true });
  return result;
}

/** Nothing lost, nothing doubled, every good request one run, every poison record one DLQ record, and the fault fired. */
export function assertScenarioHeld(result: ScenarioResult): void {
  const { tally } = result;
  const good = result.scenario.records('x', chaosScale('small', {}), 'test').filter((record) => record.expect === 'good').length;
  assert.equal(tally.lost, 0, 'no request without a terminal event or a DLQ record');
  assert.equal(tally.duplicateRuns, 0, 'no request with a second run');
  assert.equal(tally.conflictingTerminals, 0, 'no request with two different terminal events');
  assert.deepEqual(tally.violations, [], 'no good request dead-lettered, no poison record run');
  assert.deepEqual(tally.reasonMismatches, [], 'each poison record dead-lettered with the reason for what is wrong with it');
  assert.equal(tally.runs, good, 'one run per good request');
  assert.equal(tally.dlqRecords, tally.sent - good, 'one DLQ record per poison record');
  assert.ok(result.settled, 'every run closed and the consumer group caught up');
  assert.ok(result.proofs.length > 0, `the fault fired (notes: ${result.notes.join('; ')})`);
}
