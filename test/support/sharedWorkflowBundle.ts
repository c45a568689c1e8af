import fs from 'node:fs';
import { bundleResearchWorkflows } from '../../app/service/workflowBundle';

/** Where the test run's global setup left the workflow bundle. */
export const workflowBundleVariable = 'RESEARCH_RELAY_TEST_WORKFLOW_BUNDLE';

let bundle: Promise<{ code: string }> | undefined;

/**
 * The workflow bundle of this test run: the one the global setup built, or (a test file run
 * on its own) one bundled here, once per process.
 */
export function sharedWorkflowBundle(): Promise<{ code: string }> {
  const file = process.env[workflowBundleVariable];
  bundle ??= file ? fs.promises.readFile(file, 'utf8').then((code) => ({ code })) : bundleResearchWorkflows();
  return bundle;
}
