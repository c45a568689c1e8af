import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { PipelineHarness } from '../../support/pipelineHarness';
import type { Telemetry } from '../../../src/telemetry/telemetry';
import { createLogger } from '../../../src/logging/logger';
import { eventually } from '../../support/eventually';
import { tearDown } from '../../support/teardown';

describe('with no trace backend listening', () => {
  let telemetry: Telemetry;
  let harness: PipelineHarness;
  const telemetryLog: string[] = [];

  before(async () => {
    // A port that nothing listens on: take a free one and close it again.
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${port}`;
    delete process.env.OTEL_EXPORTER_OTLP_PROTOCOL;
    const { startTelemetry } = await import('../../../src/telemetry/telemetry.js');
    telemetry = startTelemetry({ logger: createLogger({ level: 'warn', name: 'telemetry', write: (line) => telemetryLog.push(line) }) });
    const { PipelineHarness } = await import('../../support/pipelineHarness.js');
    harness = await PipelineHarness.start();
  });
  // Also after a failed before(): what never started is skipped, and telemetry still shuts down.
  after(() =>
    tearDown(
      () => harness?.close(),
      () => telemetry?.shutdown(),
    ),
  );

  it('still completes every request, and says once that spans were dropped', async () => {
    const ids = ['dark-1', 'dark-2', 'dark-3'];
    for (const id of ids) await harness.request(id, `Does research continue without a tracing backend? (${id})`, { maxSearches: 2 });
    const completed = await harness.recorder.waitFor(harness.config.topics.completed, ids.length, (r) => ids.includes(r.key ?? ''));
    assert.deepEqual(completed.map((r) => r.key).sort(), ids);
    assert.equal(harness.recorder.on(harness.config.topics.failed).length, 0);
    // Settled on the report itself: under load an export attempt can outlast one flush.
    await eventually(async () => {
      await telemetry.flush();
      return telemetryLog.some((line) => line.includes('trace export failed')) || undefined;
    }, 30_000, 'the failed export to be reported');
    assert.ok(telemetryLog.length <= 3, `without flooding the log (${telemetryLog.length} lines)`);
  });
});
