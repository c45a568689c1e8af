import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { AggregationTemporality, AggregationType, type AggregationOption, type InstrumentType, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Logger } from '../logging/logger';

/**
 * Passes metrics to the real OTLP exporter and reports failed exports to the log without
 * flooding it: the first failure, then one line per `every` failures. A backend that is away
 * (or takes no metrics) costs a gap in the pushed series and a few log lines; `/metrics` and
 * the message path are unaffected.
 */
export class FailureReportingMetricExporter implements PushMetricExporter {
  private failures = 0;

  constructor(
    private readonly inner: PushMetricExporter,
    private readonly logger: Logger,
    private readonly destination: string,
    private readonly every = 20,
  ) {}

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    this.inner.export(metrics, (result) => {
      // Compared as numbers: the exporter may be built against another copy of @opentelemetry/core.
      if (Number(result.code) !== Number(ExportResultCode.SUCCESS)) {
        this.failures += 1;
        if (this.failures === 1 || this.failures % this.every === 0) {
          this.logger.warn('metric export failed; this interval was dropped (/metrics and the pipeline are unaffected)', {
            destination: this.destination,
            failures: this.failures,
            error: result.error?.message,
          });
        }
      }
      resultCallback(result);
    });
  }

  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    // The OTLP exporters always implement it (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE); cumulative otherwise.
    return this.inner.selectAggregationTemporality?.(instrumentType) ?? AggregationTemporality.CUMULATIVE;
  }

  selectAggregation(instrumentType: InstrumentType): AggregationOption {
    return this.inner.selectAggregation?.(instrumentType) ?? { type: AggregationType.DEFAULT };
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
