import fs from 'node:fs';
import { bundleResearchWorkflows } from '../../app/service/workflowBundle';

/** `tsx test/support/writeWorkflowBundle.ts <file>`: bundles the workflows into <file> (the test run's global setup). */
async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: writeWorkflowBundle.ts <file>');
  fs.writeFileSync(file, (await bundleResearchWorkflows()).code);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
