import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { workflowTracingModule } from '../../src/telemetry/temporalTracing';

/** Where the workflow code lives; the worker bundles it with the tracing interceptors. */
export const workflowsPath = require.resolve('../../workflows');

/** The bundle `npm run build` writes next to this module's compiled JavaScript (dist/app/service/). */
export const prebuiltWorkflowBundleFile = 'researchWorkflows.bundle.js';

/**
 * Bundles the workflows once, ahead of time (the build, tests and benchmarks; bundling takes
 * seconds). The same bundle serves with telemetry on and off.
 */
export function bundleResearchWorkflows(): Promise<WorkflowBundle> {
  const quiet = () => undefined;
  return bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: [workflowTracingModule],
    logger: { info: quiet, warn: quiet, error: quiet, debug: quiet, trace: quiet, log: quiet },
  });
}

/**
 * The bundle the build wrote, when this runs from dist/; undefined from sources (under tsx),
 * where none is written — there the worker bundles workflows/ at start, so an edit is never
 * run against a stale bundle.
 */
export function prebuiltWorkflowBundle(): { codePath: string } | undefined {
  const codePath = path.join(__dirname, prebuiltWorkflowBundleFile);
  return fs.existsSync(codePath) ? { codePath } : undefined;
}
