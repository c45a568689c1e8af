/**
 * The telemetry of a command-line process (the CLI, `npm run demo`), imported first (before
 * kafkajs is loaded). With an OTLP endpoint configured, it exports like the service. Without one it exports to the default
 * local endpoint (the Phoenix of `npm run infra:up`) only if something listens there, so a
 * request sent from the CLI is the root of its run's trace in the local backend, and a machine
 * without a backend sees no warning. The request's traceparent is written either way.
 */
import { startTelemetry } from './telemetry';

const configured = Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
startTelemetry({ onlyToListeningBackend: !configured });
