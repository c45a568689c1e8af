import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { workflowTracingModule } from '../../src/telemetry/temporalTracing';

/** Where the workflow code lives; the worker bundles it with the tracing interceptors. */
export const workflowsPath = require.resolve('../../workflows');

/**
 * Bundles the workflows once, ahead of time (tests and benchmarks start several workers;
 * bundling takes seconds). The same bundle serves with telemetry on and off.
 */
export function bundleResearchWorkflows(): Promise<WorkflowBundle> {
  const quiet = () => undefined;
  return bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: [workflowTracingModule],
    logger: { info: quiet, warn: quiet, error: quiet, debug: quiet, trace: quiet, log: quiet },
  });
}
