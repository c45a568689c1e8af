import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpGrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as OtlpProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { defaultResource, detectResources, envDetector, hostDetector, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ConfigurationError } from '../errors';
import { createLogger, type Logger } from '../logging/logger';
import { ContentPolicySpanProcessor } from './contentPolicySpanProcessor';
import { FailureReportingExporter } from './failureReportingExporter';
import { ListeningBackendExporter } from './listeningBackendExporter';
import { startMetricsPipeline } from './metricsPipeline';
import { ObservationKindSpanProcessor } from './observationKindSpanProcessor';

/** The running telemetry of this process. */
export interface Telemetry {
  readonly enabled: boolean;
  /** Where spans go (for the log), e.g. "grpc http://127.0.0.1:4317". */
  readonly destination: string;
  /** Shared with the Temporal workflow-span sink, so workflow spans take the same path. */
  readonly spanProcessor: SpanProcessor;
  readonly resource: Resource;
  /** Exports what is buffered (bounded by the exporter timeout). */
  flush(): Promise<void>;
  /** Flushes and stops; safe to call twice. */
  shutdown(): Promise<void>;
}

let current: Telemetry | undefined;

/**
 * Starts OpenTelemetry tracing for this process, once: the OTLP trace exporter (gRPC by
 * default; HTTP/protobuf with OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf, as hosted LLM
 * backends such as Langfuse require) and the kafkajs instrumentation. It honours the standard
 * variables: OTEL_EXPORTER_OTLP_ENDPOINT / _HEADERS / _TRACES_*, OTEL_SERVICE_NAME,
 * OTEL_TRACES_SAMPLER(_ARG), OTEL_SDK_DISABLED. Must run before kafkajs is first required,
 * which is why entry points import `registerTelemetry` first.
 *
 * @example
 * const telemetry = startTelemetry();
 * process.on('SIGTERM', () => void telemetry.shutdown());
 */
export function startTelemetry(options: { env?: NodeJS.ProcessEnv; logger?: Logger; onlyToListeningBackend?: boolean } = {}): Telemetry {
  if (current) return current;
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger({ level: 'warn', name: 'telemetry' });
  const resource = processResource(env);
  // Metrics have a MeterProvider of their own, started first: /metrics answers with tracing
  // disabled too, and the kafkajs instrumentation built below records into it.
  startMetricsPipeline({ env, resource, logger });
  if (['true', '1'].includes((env.OTEL_SDK_DISABLED ?? '').toLowerCase())) {
    // No spans, but trace context still travels: a run started from a request's traceparent
    // carries it into Temporal's header, so the worker's spans join the request's trace. Both
    // the propagator and a context manager are needed (without one, context.with() is a no-op).
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    current = disabledTelemetry(resource);
    return current;
  }
  // Traces only: metrics and logs exporters stay off unless asked for explicitly.
  process.env.OTEL_METRICS_EXPORTER ??= 'none';
  process.env.OTEL_LOGS_EXPORTER ??= 'none';
  const { exporter, destination, endpoint } = traceExporterFromEnv(env);
  const reporting = new FailureReportingExporter(exporter, logger, destination);
  const batches = new BatchSpanProcessor(options.onlyToListeningBackend ? new ListeningBackendExporter(reporting, endpoint) : reporting, {
    maxQueueSize: 8192,
    maxExportBatchSize: 512,
    scheduledDelayMillis: 1000,
    exportTimeoutMillis: 10_000,
  });
  // Every span gets its observation kind and passes the content policy before it is queued for export.
  const spanProcessor = new ObservationKindSpanProcessor(new ContentPolicySpanProcessor(batches));
  const sdk = new NodeSDK({
    resource,
    // Detected once, above, for the SDK and the workflow-span sink alike.
    autoDetectResources: false,
    spanProcessors: [spanProcessor],
    instrumentations: [new KafkaJsInstrumentation()],
    // None of the SDK's own: metricsPipeline.ts has the readers (OTEL_METRICS_EXPORTER=otlp included).
    metricReaders: [],
  });
  sdk.start();
  let stopping: Promise<void> | undefined;
  current = {
    enabled: true,
    destination,
    spanProcessor,
    resource,
    // Export failures are reported by FailureReportingExporter; flushing never throws.
    flush: () => spanProcessor.forceFlush().catch(() => undefined),
    shutdown: () => (stopping ??= sdk.shutdown().catch((error: unknown) => logger.warn('telemetry shutdown failed', { error }))),
  };
  return current;
}

/** The telemetry started in this process, or a disabled one (spans go nowhere) when none was. */
export function activeTelemetry(): Telemetry {
  return current ?? disabledTelemetry(defaultResource());
}

/**
 * What every span of this process says about where it comes from: ours (below), then
 * OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME and the host, which override it. Not the process
 * detector: its `process.command_args` is the command line, and a CLI's or the demo's command
 * line holds the question, which no span may carry with content capture off.
 */
function processResource(env: NodeJS.ProcessEnv): Resource {
  return defaultResource().merge(resourceFromAttributes(resourceAttributes(env))).merge(detectResources({ detectors: [envDetector, hostDetector] }));
}

/**
 * The service's name, and the Phoenix project (`openinference.project.name`) all of the relay's
 * processes share: the spans of one trace come from the CLI, the consumer and the worker, and a
 * trace split over projects would show none of them whole.
 */
function resourceAttributes(env: NodeJS.ProcessEnv): Record<string, string> {
  return { 'service.name': env.OTEL_SERVICE_NAME ?? 'research-relay', 'openinference.project.name': env.PHOENIX_PROJECT_NAME || 'research-relay' };
}

function disabledTelemetry(resource: Resource): Telemetry {
  return { enabled: false, destination: 'disabled', spanProcessor: new NoopSpanProcessor(), resource, flush: () => Promise.resolve(), shutdown: () => Promise.resolve() };
}

function traceExporterFromEnv(env: NodeJS.ProcessEnv): { exporter: SpanExporter; destination: string; endpoint: { host: string; port: number } } {
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'grpc';
  const configured = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  switch (protocol) {
    case 'grpc': {
      const endpoint = configured ?? 'http://localhost:4317';
      return { exporter: new OtlpGrpcTraceExporter(), destination: `grpc ${endpoint}`, endpoint: hostAndPort(endpoint, 4317) };
    }
    case 'http/protobuf': {
      const endpoint = configured ?? 'http://localhost:4318';
      return { exporter: new OtlpProtoTraceExporter(), destination: `http/protobuf ${endpoint}`, endpoint: hostAndPort(endpoint, 4318) };
    }
    default:
      throw new ConfigurationError(`invalid configuration:\n  OTEL_EXPORTER_OTLP_PROTOCOL="${protocol}": use grpc or http/protobuf`, ['OTEL_EXPORTER_OTLP_PROTOCOL']);
  }
}

function hostAndPort(endpoint: string, defaultPort: number): { host: string; port: number } {
  try {
    const url = new URL(endpoint);
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) || (url.protocol === 'https:' ? 443 : defaultPort) };
  } catch {
    return { host: 'localhost', port: defaultPort };
  }
}
