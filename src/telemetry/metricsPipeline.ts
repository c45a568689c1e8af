import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics } from '@opentelemetry/api';
import { OTLPMetricExporter as OtlpGrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as OtlpProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { defaultResource, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { ConfigurationError } from '../errors';
import { createLogger, type Logger } from '../logging/logger';
import { FailureReportingMetricExporter } from './failureReportingMetricExporter';

/** The metrics of this process: served for Prometheus, and pushed over OTLP when asked for. */
export interface MetricsPipeline {
  /** Where metrics are pushed besides `/metrics` ("grpc http://…:4317"), or undefined: scrape only. */
  readonly otlpDestination: string | undefined;
  /** Answers a Prometheus scrape with every instrument of this process (text exposition format). */
  serveScrape(request: IncomingMessage, response: ServerResponse): void;
  /** Pushes what OTLP has not sent yet; never throws. */
  flush(): Promise<void>;
  /** Pushes the last interval and stops; safe to call twice. */
  shutdown(): Promise<void>;
}

let current: MetricsPipeline | undefined;

/**
 * Starts this process's metrics, once: a MeterProvider of its own, registered as the global one
 * (so `metrics.getMeter()` anywhere — the relay's instruments, the kafkajs instrumentation —
 * records into it), with a Prometheus reader that the service's HTTP port serves at `/metrics`.
 * OTLP export is **off** unless `OTEL_METRICS_EXPORTER` lists `otlp`: the OTLP endpoint the
 * traces go to (Phoenix, Jaeger) often takes no metrics, and pushing there would fail every
 * interval. With `otlp` it honours OTEL_EXPORTER_OTLP_(METRICS_)ENDPOINT / _PROTOCOL / _HEADERS,
 * OTEL_METRIC_EXPORT_INTERVAL (60 s) and OTEL_METRIC_EXPORT_TIMEOUT (30 s).
 *
 * Independent of the tracing SDK: with OTEL_SDK_DISABLED=true (no spans) `/metrics` still
 * answers, since operators scrape whether or not a trace backend exists.
 *
 * @example
 * const pipeline = startMetricsPipeline({ resource });
 * http.createServer((req, res) => pipeline.serveScrape(req, res)).listen(9464);
 */
export function startMetricsPipeline(options: { env?: NodeJS.ProcessEnv; resource?: Resource; logger?: Logger } = {}): MetricsPipeline {
  if (current) return current;
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger({ level: 'warn', name: 'telemetry' });
  const resource = options.resource ?? defaultResource().merge(resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'research-relay' }));
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const otlp = otlpReaderFromEnv(env, logger);
  const readers: MetricReader[] = [prometheus, ...(otlp ? [otlp.reader] : [])];
  const provider = new MeterProvider({ resource, readers });
  if (!metrics.setGlobalMeterProvider(provider)) {
    // Someone (an embedding application) registered theirs first: the relay records into that one.
    logger.warn('a global MeterProvider was already registered; the relay\'s metrics go to it, not to /metrics');
  }
  let stopping: Promise<void> | undefined;
  current = {
    otlpDestination: otlp?.destination,
    serveScrape: (request, response) => prometheus.getMetricsRequestHandler(request, response),
    flush: () => provider.forceFlush().catch(() => undefined),
    shutdown: () => (stopping ??= provider.shutdown().catch((error: unknown) => logger.warn('metrics shutdown failed', { error }))),
  };
  return current;
}

/** The metrics pipeline started in this process, if one was (nothing is started by asking). */
export function currentMetricsPipeline(): MetricsPipeline | undefined {
  return current;
}

/** The metrics pipeline of this process, started with the process's environment if none was. */
export function activeMetricsPipeline(): MetricsPipeline {
  return current ?? startMetricsPipeline();
}

function otlpReaderFromEnv(env: NodeJS.ProcessEnv, logger: Logger): { reader: MetricReader; destination: string } | undefined {
  const exporters = (env.OTEL_METRICS_EXPORTER ?? 'none').split(',').map((name) => name.trim().toLowerCase());
  if (!exporters.includes('otlp')) return undefined;
  const { exporter, destination } = otlpExporterFromEnv(env);
  const exportIntervalMillis = positiveInt(env.OTEL_METRIC_EXPORT_INTERVAL, 60_000);
  const reader = new PeriodicExportingMetricReader({
    exporter: new FailureReportingMetricExporter(exporter, logger, destination),
    exportIntervalMillis,
    exportTimeoutMillis: Math.min(positiveInt(env.OTEL_METRIC_EXPORT_TIMEOUT, 30_000), exportIntervalMillis),
  });
  return { reader, destination };
}

function otlpExporterFromEnv(env: NodeJS.ProcessEnv): { exporter: PushMetricExporter; destination: string } {
  const protocol = env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'grpc';
  const endpoint = env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  switch (protocol) {
    case 'grpc':
      return { exporter: new OtlpGrpcMetricExporter(), destination: `grpc ${endpoint ?? 'http://localhost:4317'}` };
    case 'http/protobuf':
      return { exporter: new OtlpProtoMetricExporter(), destination: `http/protobuf ${endpoint ?? 'http://localhost:4318'}` };
    default:
      throw new ConfigurationError(`invalid configuration:\n  OTEL_EXPORTER_OTLP_METRICS_PROTOCOL="${protocol}": use grpc or http/protobuf`, ['OTEL_EXPORTER_OTLP_METRICS_PROTOCOL']);
  }
}

function positiveInt(text: string | undefined, fallback: number): number {
  const value = Number(text);
  return text && Number.isInteger(value) && value > 0 ? value : fallback;
}
