import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from '../logging/logger';

/**
 * Passes spans to the real exporter and reports failed exports to the log without flooding
 * it: the first failure, then one line per `every` failures. An absent or broken backend
 * costs dropped spans and a few log lines, never a failed request.
 */
export class FailureReportingExporter implements SpanExporter {
  private failures = 0;

  constructor(
    private readonly inner: SpanExporter,
    private readonly logger: Logger,
    private readonly endpoint: string,
    private readonly every = 50,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      // Compared as numbers: the exporter may be built against another copy of @opentelemetry/core.
      if (Number(result.code) !== Number(ExportResultCode.SUCCESS)) {
        this.failures += 1;
        if (this.failures === 1 || this.failures % this.every === 0) {
          this.logger.warn('trace export failed; spans were dropped (the pipeline is unaffected)', {
            endpoint: this.endpoint,
            failures: this.failures,
            error: result.error?.message,
          });
        }
      }
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
