import net from 'node:net';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * Exports only if a backend listens at the endpoint, checked with a TCP connect (again every
 * 30 s while none is found); otherwise drops the spans without a word. For command-line use with no endpoint configured: the CLI's
 * spans reach a local backend when one runs (so every run's trace has its root), and a machine
 * without one sees no warnings and no export retries holding the command up.
 */
export class ListeningBackendExporter implements SpanExporter {
  private probe: { readonly at: number; readonly listening: Promise<boolean> } | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly inner: SpanExporter,
    private readonly endpoint: { readonly host: string; readonly port: number },
    private readonly probeTimeoutMs = 500,
    /** A backend found absent is looked for again after this long (a long-running `watch` sees one started later). */
    private readonly absentRecheckMs = 30_000,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const exported = this.listening().then(
      (listening) =>
        new Promise<void>((done) => {
          const finish = (result: ExportResult): void => {
            done();
            resultCallback(result);
          };
          if (listening) this.inner.export(spans, finish);
          else finish({ code: ExportResultCode.SUCCESS });
        }),
    );
    this.inFlight.add(exported);
    void exported.finally(() => this.inFlight.delete(exported));
  }

  /** Waits for exports still deciding where to go, then stops the real exporter. */
  async shutdown(): Promise<void> {
    await Promise.all(this.inFlight);
    return this.inner.shutdown();
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.inFlight);
    return this.inner.forceFlush?.();
  }

  private listening(): Promise<boolean> {
    const now = Date.now();
    const stale = this.probe && now - this.probe.at > this.absentRecheckMs;
    if (!this.probe || stale) {
      const listening = accepts(this.endpoint, this.probeTimeoutMs);
      this.probe = { at: now, listening };
      // A backend found listening stays trusted (the exporter reports failures from then on).
      void listening.then((yes) => {
        if (yes && this.probe?.listening === listening) this.probe = { at: Number.POSITIVE_INFINITY, listening };
      });
    }
    return this.probe.listening;
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
