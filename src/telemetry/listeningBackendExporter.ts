import net from 'node:net';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * Exports only if a backend listens at the endpoint, checked once with a TCP connect; otherwise
 * drops the spans without a word. For command-line use with no endpoint configured: the CLI's
 * spans reach a local backend when one runs (so every run's trace has its root), and a machine
 * without one sees no warnings and no export retries holding the command up.
 */
export class ListeningBackendExporter implements SpanExporter {
  private listening: Promise<boolean> | undefined;

  constructor(
    private readonly inner: SpanExporter,
    private readonly endpoint: { readonly host: string; readonly port: number },
    private readonly probeTimeoutMs = 500,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.listening ??= accepts(this.endpoint, this.probeTimeoutMs);
    void this.listening.then((listening) => (listening ? this.inner.export(spans, resultCallback) : resultCallback({ code: ExportResultCode.SUCCESS })));
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/** Whether a TCP connection to the endpoint opens within the timeout. */
function accepts(endpoint: { host: string; port: number }, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(endpoint);
    const settle = (listening: boolean): void => {
      socket.destroy();
      resolve(listening);
    };
    socket.setTimeout(timeoutMs, () => settle(false));
    socket.once('connect', () => settle(true));
    socket.once('error', () => settle(false));
  });
}
