import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ListeningBackendExporter } from '../../../src/telemetry/listeningBackendExporter';

/** An exporter that records what reached it, in order. */
function recordingExporter(): SpanExporter & { readonly calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    export: (spans, done) => {
      calls.push(`export ${spans.length}`);
      done({ code: ExportResultCode.SUCCESS });
    },
    shutdown: () => {
      calls.push('shutdown');
      return Promise.resolve();
    },
  };
}

function exportOnce(exporter: SpanExporter): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export([{} as ReadableSpan], resolve));
}

async function listeningServer(): Promise<net.Server & { port: number }> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(server, { port: (server.address() as net.AddressInfo).port });
}

async function closedPort(): Promise<number> {
  const server = await listeningServer();
  await new Promise((resolve) => server.close(resolve));
  return server.port;
}

describe('exporting only to a backend that listens (the CLI without a configured endpoint)', () => {
  it('drops spans silently when nothing listens, and exports when something does', async () => {
    const nobody = recordingExporter();
    const result = await exportOnce(new ListeningBackendExporter(nobody, { host: '127.0.0.1', port: await closedPort() }));
    assert.equal(result.code, ExportResultCode.SUCCESS, 'no failure to report');
    assert.deepEqual(nobody.calls, []);

    const server = await listeningServer();
    try {
      const somebody = recordingExporter();
      await exportOnce(new ListeningBackendExporter(somebody, { host: '127.0.0.1', port: server.port }));
      assert.deepEqual(somebody.calls, ['export 1']);
    } finally {
      server.close();
    }
  });

  it('shuts down only after the exports still deciding where to go', async () => {
    const server = await listeningServer();
    try {
      const inner = recordingExporter();
      const exporter = new ListeningBackendExporter(inner, { host: '127.0.0.1', port: server.port });
      exporter.export([{} as ReadableSpan], () => undefined);
      await exporter.shutdown();
      assert.deepEqual(inner.calls, ['export 1', 'shutdown'], 'the span went out before the exporter stopped');
    } finally {
      server.close();
    }
  });

  it('looks again for a backend that was absent, so a long-running command finds one started later', async () => {
    const port = await closedPort();
    const inner = recordingExporter();
    const exporter = new ListeningBackendExporter(inner, { host: '127.0.0.1', port }, 500, 50);
    await exportOnce(exporter);
    assert.deepEqual(inner.calls, []);
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      await new Promise((resolve) => setTimeout(resolve, 60));
      await exportOnce(exporter);
      assert.deepEqual(inner.calls, ['export 1']);
    } finally {
      server.close();
    }
  });
});
