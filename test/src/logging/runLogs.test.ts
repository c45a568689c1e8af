import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PipelineHarness } from '../../support/pipelineHarness';
import type { Telemetry } from '../../../src/telemetry/telemetry';
import { createLogger } from '../../../src/logging/logger';
import { OtlpTraceReceiver } from '../../support/otlpTraceReceiver';
import { tearDown } from '../../support/teardown';

// Tracing must start before kafkajs is loaded: everything that loads kafkajs is imported
// dynamically, after startTelemetry().

describe('the log lines of a run (real Kafka, Temporal and tracing)', () => {
  let receiver: OtlpTraceReceiver;
  let telemetry: Telemetry;
  let harness: PipelineHarness;
  const lines: Record<string, unknown>[] = [];

  before(async () => {
    receiver = await OtlpTraceReceiver.start();
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.grpcEndpoint;
    delete process.env.OTEL_EXPORTER_OTLP_PROTOCOL;
    const { startTelemetry } = await import('../../../src/telemetry/telemetry.js');
    telemetry = startTelemetry();
    const { PipelineHarness } = await import('../../support/pipelineHarness.js');
    const logger = createLogger({ level: 'debug', name: 'run-logs', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    harness = await PipelineHarness.start({ logger });
  });
  // Also after a failed before(): what never started is skipped, and the receiver still stops.
  after(() =>
    tearDown(
      () => harness?.close(),
      () => telemetry?.shutdown(),
      () => receiver?.stop(),
    ),
  );

  it("a line written during a run carries the run's trace id, its request id and its workflow id", async () => {
    await harness.request('logged', 'Which log lines lead to their trace?', { maxSearches: 2 });
    const [record] = await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === 'logged');
    const event = JSON.parse(record?.value.toString() ?? '') as { traceId: string; workflowId: string; requestId: string };
    assert.equal(event.workflowId, harness.workflowId('logged'));
    const ofTheRun = lines.filter((line) => line.requestId === 'logged');
    assert.ok(ofTheRun.length > 0, `a line names the request; lines: ${lines.map((line) => String(line.msg)).join(' | ')}`);
    const traced = ofTheRun.filter((line) => line.trace_id !== undefined);
    assert.ok(
      traced.some((line) => line.trace_id === event.traceId && line.workflowId === event.workflowId && /^[0-9a-f]{16}$/.test(String(line.span_id))),
      `a line carries trace ${event.traceId} and workflow ${event.workflowId}: ${JSON.stringify(ofTheRun)}`,
    );
    assert.deepEqual([...new Set(traced.map((line) => line.trace_id))], [event.traceId], "every traced line of the run is in the run's trace");
  });
});
