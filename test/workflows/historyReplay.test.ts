import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { loadRelayConfig } from '../../src/config/relayConfig';
import { temporalDataConverter } from '../../src/temporal/temporalDataConverter';
import { tracingWorkerOptions } from '../../src/telemetry/temporalTracing';
import { activeTelemetry } from '../../src/telemetry/telemetry';
import { installQuietTemporalRuntime } from '../support/quietTemporalRuntime';
import { sharedWorkflowBundle } from '../support/sharedWorkflowBundle';

const histories = path.join(__dirname, 'histories');

/** The production span sink the bundle's tracing interceptors call (telemetry is off here: spans go nowhere). */
const spanSink = tracingWorkerOptions(activeTelemetry()).sinks;

describe('ResearchWorkflow replays the histories of earlier releases', () => {
  // A run started by an earlier release must go on after an upgrade: replaying its history on
  // today's workflow code raises no nondeterminism error.
  for (const file of fs.readdirSync(histories).filter((name) => name.endsWith('.json'))) {
    it(`replays ${file} (a run started by ${file.replace(/^researchWorkflow-|\.json$/g, '')}) without a nondeterminism error`, async () => {
      installQuietTemporalRuntime();
      const history: unknown = JSON.parse(fs.readFileSync(path.join(histories, file), 'utf8'));
      const bundle = await sharedWorkflowBundle();
      await assert.doesNotReject(Worker.runReplayHistory({ workflowBundle: bundle, replayName: file, sinks: spanSink }, history));
    });

    it(`replays ${file} on a worker with payload encryption on: its plain payloads pass the codec unchanged`, async () => {
      installQuietTemporalRuntime();
      const history: unknown = JSON.parse(fs.readFileSync(path.join(histories, file), 'utf8'));
      const encryption = loadRelayConfig({ PAYLOAD_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}` }).temporal.payloadEncryption;
      const dataConverter = temporalDataConverter(encryption);
      assert.equal(dataConverter.payloadCodecs?.length, 1);
      await assert.doesNotReject(Worker.runReplayHistory({ workflowBundle: await sharedWorkflowBundle(), replayName: file, dataConverter, sinks: spanSink }, history));
    });
  }
});
