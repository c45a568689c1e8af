import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Connection, WorkflowFailedError } from '@temporalio/client';
import { researchCompletedSchema, type ResearchCompleted } from '../../../src/contracts/researchCompleted';
import { PayloadDecryptionError } from '../../../src/errors';
import { payloadEncryptionCodec } from '../../../src/temporal/temporalDataConverter';
import type { ResearchWorkflowResult } from '../../../workflows/researchWorkflow';
import { runCli } from '../../support/cliRunner';
import { PipelineHarness } from '../../support/pipelineHarness';
import { metadataText, readRawHistory, type RawHistory } from '../../support/rawHistory';
import { testConfig, testTemporalClient, uniqueName } from '../../support/testInfrastructure';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');

/** One request through the whole pipeline; its completed event and its raw stored history. */
async function researchOnce(harness: PipelineHarness, requestId: string, query: string, metadataValue: string): Promise<{ event: ResearchCompleted; history: RawHistory }> {
  await harness.request(requestId, query, { maxSearches: 3, metadata: { team: metadataValue } });
  const [record] = await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === requestId);
  const event = researchCompletedSchema.parse(JSON.parse(record?.value.toString() ?? ''));
  // The event is out before the run has closed: read the history once the run has completed.
  await harness.client.workflow.getHandle(event.workflowId, event.runId).result();
  const connection = await Connection.connect({ address: harness.config.temporal.address });
  try {
    const history = await readRawHistory(connection, harness.config.temporal.namespace, event.workflowId, event.runId);
    return { event, history };
  } finally {
    await connection.close();
  }
}

/** Texts of the run that must not be readable in what Temporal stores: the query, the report's sentences, metadata values. */
function privateTexts(event: ResearchCompleted, query: string, metadataValue: string): string[] {
  const sentences = event.report.markdownReport.split(/(?<=[.!?])\s+|\n+/).map((sentence) => sentence.replace(/^[#>*\-\s\d.]+/, '').trim());
  return [query, metadataValue, event.report.shortSummary, ...event.report.followUpQuestions, ...sentences.filter((sentence) => sentence.length >= 40)];
}

describe('with PAYLOAD_ENCRYPTION_KEYS set, what Temporal stores of a research run', () => {
  let harness: PipelineHarness;
  const query = `How do ${uniqueName('zephyr')} heat pumps perform in cold climates?`;
  const metadataValue = uniqueName('team-secret');
  let run: { event: ResearchCompleted; history: RawHistory };
  before(async () => {
    harness = await PipelineHarness.start({ env: { PAYLOAD_ENCRYPTION_KEYS: `a:${keyA}` } });
    run = await researchOnce(harness, 'sealed', query, metadataValue);
  });
  after(async () => {
    await harness?.close();
  });

  it('holds neither the query, nor any sentence of the report, nor metadata values — every payload is encrypted under the current key', () => {
    const { history, event } = run;
    assert.ok(event.report.markdownReport.length > 1000, 'the run completed with a report');
    const kinds = new Set(history.payloads.map(({ path }) => path.split('.')[1]));
    for (const kind of ['workflowExecutionStartedEventAttributes', 'activityTaskScheduledEventAttributes', 'activityTaskCompletedEventAttributes', 'workflowExecutionCompletedEventAttributes']) {
      assert.ok(kinds.has(kind), `the walk saw payloads of ${kind} (saw ${[...kinds].join(', ')})`);
    }
    assert.ok(history.payloads.some(({ path }) => path.includes('.memo.')), 'the walk saw the memo');
    // Not codec-encoded, by Temporal's design: headers (trace context), search attributes (patch
    // versions) and the SDK's own marker bookkeeping (patch ids; a local activity's id, type
    // and time — its result is a payload of its own). Every payload of the run's data is.
    const data = history.payloads.filter(({ path }) => !/\.(header|searchAttributes)\.|markerRecordedEventAttributes\.details\.(patch-data|data)\./.test(path));
    assert.ok(data.length >= 10, `payloads of inputs, results and memo (${data.length})`);
    const plain = data.filter(({ payload }) => metadataText(payload, 'encoding') !== 'binary/encrypted' || metadataText(payload, 'encryption-key-id') !== 'a');
    assert.deepEqual(plain.map(({ path, payload }) => `${path}: ${metadataText(payload, 'encoding')}`), [], 'no payload stored unencrypted');
    const readable = privateTexts(event, query, metadataValue).filter((text) => history.bytes.includes(Buffer.from(text)));
    assert.deepEqual(readable, [], 'no private text anywhere in the stored history');
  });

  it('decodes with the keys: after rotation to key b (a still listed) the run’s result and inputs read back; without key a it fails naming the key', async () => {
    const rotatedConfig = testConfig({ PAYLOAD_ENCRYPTION_KEYS: `a:${keyA},b:${keyB}` });
    assert.equal(rotatedConfig.temporal.payloadEncryption?.currentKeyId, 'b');
    const codec = payloadEncryptionCodec(rotatedConfig.temporal.payloadEncryption);
    const rotated = await testTemporalClient(rotatedConfig);
    try {
      const result = await rotated.client.workflow.getHandle<() => Promise<ResearchWorkflowResult>>(run.event.workflowId, run.event.runId).result();
      assert.equal(result.shortSummary, run.event.report.shortSummary);
      const decoded = await codec.decode(run.history.payloads.map(({ payload }) => payload));
      assert.ok(decoded.some((payload) => Buffer.from(payload.data ?? []).includes(Buffer.from(query))), 'the query is in the decoded workflow input');
      const [reencoded] = await codec.encode(decoded.slice(0, 1));
      assert.equal(metadataText(reencoded!, 'encryption-key-id'), 'b', 'new payloads use the current key');
    } finally {
      await rotated.connection.close();
    }
    const withoutA = await testTemporalClient(testConfig({ PAYLOAD_ENCRYPTION_KEYS: `b:${keyB}` }));
    try {
      const error = await withoutA.client.workflow.getHandle(run.event.workflowId, run.event.runId).result().then(
        () => assert.fail('decoded without the key'),
        (failure: unknown) => failure,
      );
      let cause: unknown = error;
      while (cause instanceof Error && !(cause instanceof PayloadDecryptionError)) cause = cause.cause;
      assert.ok(cause instanceof PayloadDecryptionError, `a PayloadDecryptionError down the cause chain, got ${String(error)}`);
      assert.equal(cause.keyId, 'a');
      assert.equal(cause.retryable, false);
      assert.match(cause.message, /encrypted with key "a", which is not configured here \(PAYLOAD_ENCRYPTION_KEYS lists b\)/);
      assert.ok(!cause.message.includes(keyA) && !cause.message.includes(keyB));
      assert.ok(!(error instanceof WorkflowFailedError), 'the run itself did not fail');
    } finally {
      await withoutA.connection.close();
    }
  });
  it('the CLI reads the encrypted run with the keys (status shows the trace id from the memo); with another key it exits 1 naming the missing key', async () => {
    const status = await runCli(['status', 'sealed', '--json'], harness.env);
    assert.equal(status.code, 0, status.stderr);
    const shown = JSON.parse(status.stdout) as { state: string; traceId: string };
    assert.equal(shown.state, 'COMPLETED');
    assert.equal(shown.traceId, run.event.traceId);
    const keyless = await runCli(['status', 'sealed', '--json'], { ...harness.env, PAYLOAD_ENCRYPTION_KEYS: `b:${keyB}` });
    assert.equal(keyless.code, 1);
    assert.match(keyless.stderr, /encrypted with key "a", which is not configured here/);
    assert.ok(!keyless.stderr.includes(keyA) && !keyless.stderr.includes(keyB), 'no key material printed');
  });
});

describe('without encryption keys, the same check', () => {
  let harness: PipelineHarness;
  before(async () => {
    harness = await PipelineHarness.start();
  });
  after(async () => {
    await harness?.close();
  });

  it('finds the query, the report and metadata values in plain text (so the walk above can see plain text)', async () => {
    const query = `How do ${uniqueName('zephyr')} heat pumps perform in cold climates?`;
    const metadataValue = uniqueName('team-open');
    const { event, history } = await researchOnce(harness, 'open', query, metadataValue);
    assert.ok(history.bytes.includes(Buffer.from(query)), 'the query is readable');
    assert.ok(history.bytes.includes(Buffer.from(metadataValue)), 'the metadata value is readable');
    assert.ok(history.bytes.includes(Buffer.from(JSON.stringify(event.report.shortSummary).slice(1, -1))), 'the summary is readable');
    assert.ok(history.payloads.some(({ payload }) => metadataText(payload, 'encoding') === 'json/plain' && Buffer.from(payload.data ?? []).includes(Buffer.from(query))), 'a json/plain payload carries the query');
  });
});
