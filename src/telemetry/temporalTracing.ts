// The client and worker halves by their own paths: the package's index also loads its plugin and
// workflow halves, and with them @temporalio/workflow — weight a consumer-only process never uses.
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry-v2/lib/client';
import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor } from '@temporalio/interceptors-opentelemetry-v2/lib/worker';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';
import type { Telemetry } from './telemetry';

/**
 * The workflow-side interceptor module: bundled into the workflow code (always, so that one
 * bundle serves with and without telemetry); its spans reach the worker through a sink.
 */
export const workflowTracingModule = require.resolve('@temporalio/interceptors-opentelemetry-v2/lib/workflow-interceptors');

/** Client interceptors: StartWorkflow spans, and the context carried to the run in its header. */
export function tracingClientInterceptors(): WorkflowClientInterceptor[] {
  return [new OpenTelemetryWorkflowClientInterceptor()];
}

/**
 * Worker options for tracing: activity spans continue the workflow's context, workflow spans
 * are exported by the worker through the same span processor as everything else.
 */
export function tracingWorkerOptions(telemetry: Telemetry): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  return {
    interceptors: {
      client: { workflow: tracingClientInterceptors() },
      activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
    },
    sinks: { exporter: makeWorkflowExporter(telemetry.spanProcessor, telemetry.resource) },
  };
}
