import type { WorkerOptions } from '@temporalio/worker';

/**
 * The span sink for workers and replays in tests: the shared workflow bundle's tracing
 * interceptors hand workflow spans to an `exporter` sink, and a test worker exports none. Without
 * one, each workflow activation logs "Workflow referenced an unregistered external sink".
 */
export const discardedWorkflowSpans: WorkerOptions['sinks'] = { exporter: { export: { fn: () => undefined } } };
