/**
 * Imported first by every entry point (service, demo, CLI, benchmark consumer): starts
 * tracing before kafkajs is loaded, so the kafkajs instrumentation can patch it.
 */
import { startTelemetry } from './telemetry';

startTelemetry();
