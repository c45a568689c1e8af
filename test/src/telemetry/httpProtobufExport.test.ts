import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PipelineHarness } from '../../support/pipelineHarness';
import type { Telemetry } from '../../../src/telemetry/telemetry';
import { OtlpTraceReceiver } from '../../support/otlpTraceReceiver';
import { eventually } from '../../support/eventually';
import { tearDown } from '../../support/teardown';

describe('OTLP over HTTP/protobuf, for backends that accept only HTTP', () => {
  let receiver: OtlpTraceReceiver;
  let telemetry: Telemetry;
  let harness: PipelineHarness;

  before(async () => {
    receiver = await OtlpTraceReceiver.start();
    process.env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/protobuf';
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.httpEndpoint;
    process.env.OTEL_EXPORTER_OTLP_HEADERS = 'authorization=Basic dGVzdDp0ZXN0,x-backend-project=relay';
    const { startTelemetry } = await import('../../../src/telemetry/telemetry.js');
    telemetry = startTelemetry();
    const { PipelineHarness } = await import('../../support/pipelineHarness.js');
    harness = await PipelineHarness.start();
  });
  // Also after a failed before(): what never started is skipped, and the receiver still stops.
  after(() =>
    tearDown(
      () => harness?.close(),
      () => telemetry?.shutdown(),
      () => receiver?.stop(),
    ),
  );

  it('sends the run’s spans to /v1/traces with the configured headers', async () => {
    const traceparent = '00-11112222333344445555666677778888-1111222233334444-01';
    // Through the typed client: the kafkajs instrumentation replaces a hand-set traceparent
    // header with its send span's, and the client makes that span continue the given trace.
    const { createResearchClient } = await import('../../../src/client/researchClient.js');
    const client = createResearchClient({ brokers: harness.config.kafka.brokers, topics: harness.config.topics });
    await client.request({ requestId: 'over-http', query: 'Which observability backends accept only OTLP over HTTP?', maxSearches: 1, traceparent });
    await client.close();
    await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === 'over-http');
    await telemetry.flush();
    const spans = await eventually(() => {
      const found = receiver.trace('11112222333344445555666677778888');
      return found.some((span) => span.name === 'research.publish') ? found : undefined;
    }, 30_000, `spans over HTTP (exports: ${receiver.exports}, spans: ${receiver.spans.length})`);
    assert.ok(spans.some((span) => span.attributes['gen_ai.operation.name'] === 'chat'));
    assert.equal(receiver.lastHttpHeaders.authorization, 'Basic dGVzdDp0ZXN0');
    assert.equal(receiver.lastHttpHeaders['x-backend-project'], 'relay');
    assert.equal(receiver.lastHttpHeaders['content-type'], 'application/x-protobuf');
  });
});
