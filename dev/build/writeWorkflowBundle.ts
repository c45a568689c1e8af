import fs from 'node:fs';
import path from 'node:path';
import { bundleResearchWorkflows, prebuiltWorkflowBundleFile } from '../../app/service/workflowBundle';

/**
 * `npm run build`, last step: the workflows bundled (with the tracing interceptors) into
 * dist/app/service/, where the compiled worker loads them — bundling at start took seconds of
 * every `npm start`.
 */
async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..');
  const bundle = await bundleResearchWorkflows();
  fs.writeFileSync(path.join(root, 'dist', 'app', 'service', prebuiltWorkflowBundleFile), bundle.code);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
