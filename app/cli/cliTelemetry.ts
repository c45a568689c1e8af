/**
 * The CLI's telemetry, imported first by the CLI: traces are exported only when an OTLP
 * endpoint is configured (a command-line tool should not complain about a missing collector).
 * The request's traceparent is written either way.
 */
import { startTelemetry } from '../../src/telemetry/telemetry';

if (!process.env.OTEL_EXPORTER_OTLP_ENDPOINT && !process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
  process.env.OTEL_SDK_DISABLED ??= 'true';
}
startTelemetry();
