import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { registerSecret } from '../../../src/logging/logger';
import { ContentPolicySpanProcessor } from '../../../src/telemetry/contentPolicySpanProcessor';

describe('spans on their way to export', () => {
  const secret = 'tok-span-secret-88f1c2';
  registerSecret(secret);

  it('carry no registered secret, also from a library span with content capture on', async () => {
    const capture = process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
    process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'true';
    const exporter = new InMemorySpanExporter();
    let exported: ReadableSpan | undefined;
    const provider = new BasicTracerProvider({ spanProcessors: [new ContentPolicySpanProcessor(new SimpleSpanProcessor(exporter))] });
    try {
      // What a gRPC client span looks like when the server quotes the refused credential.
      const span = provider.getTracer('library').startSpan('StartWorkflowExecution', { attributes: { 'rpc.error': `bad key ${secret}`, tags: [`k=${secret}`] } });
      span.recordException(new Error(`UNAUTHENTICATED: api key ${secret} refused`));
      span.setStatus({ code: SpanStatusCode.ERROR, message: `api key ${secret} refused` });
      span.end();
      await provider.forceFlush();
      exported = exporter.getFinishedSpans()[0];
    } finally {
      if (capture === undefined) delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
      else process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = capture;
      await provider.shutdown();
    }
    assert.ok(exported);
    const text = JSON.stringify({ attributes: exported.attributes, status: exported.status, events: exported.events });
    assert.ok(!text.includes(secret), text);
    assert.match(exported.status.message ?? '', /api key \[redacted\] refused/, 'the rest of the message is kept (capture is on)');
  });
});
