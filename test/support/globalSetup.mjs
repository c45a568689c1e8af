// Runs once per `npm test`, before any test file (node --test-global-setup): bundles the
// workflows a single time and hands the bundle's path to every test process through the
// environment, instead of each file bundling again (seconds each on two cores); and gives every
// relay the tests start a free HTTP port.
// Plain JavaScript: the test runner loads this file without the TypeScript loader.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
let directory;

export function globalSetup() {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'research-relay-test-'));
  const file = path.join(directory, 'workflow-bundle.js');
  const tsx = path.resolve(here, '../../node_modules/.bin/tsx');
  execFileSync(tsx, [path.join(here, 'writeWorkflowBundle.ts'), file], { stdio: 'inherit' });
  // Read by test/support/sharedWorkflowBundle.ts.
  process.env.RESEARCH_RELAY_TEST_WORKFLOW_BUNDLE = file;
  // Test files run side by side, several services each (in process and spawned): every one
  // takes a free port for /metrics, /healthz and /readyz instead of all wanting 9464.
  process.env.SERVICE_HTTP_PORT ??= '0';
}

export function globalTeardown() {
  if (directory) fs.rmSync(directory, { recursive: true, force: true });
}
