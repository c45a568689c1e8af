import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { prebuiltWorkflowBundle } from '../../../app/service/workflowBundle';

const root = path.resolve(__dirname, '../../..');

describe('the workflow bundle', () => {
  it('is written by npm run build next to the compiled worker, with the tracing interceptors in it, so the worker does not bundle at start', async () => {
    const compiled = (await import(path.join(root, 'dist/app/service/workflowBundle.js'))) as { prebuiltWorkflowBundle: typeof prebuiltWorkflowBundle };
    const bundle = compiled.prebuiltWorkflowBundle();
    assert.ok(bundle, 'dist/app/service has a prebuilt bundle (run npm run build first)');
    const code = fs.readFileSync(bundle.codePath, 'utf8');
    assert.match(code, /interceptors-opentelemetry-v2\/lib\/workflow-interceptors/);
    assert.match(code, /researchWorkflow/);
  });

  it('is not taken from sources (under tsx): the worker bundles workflows/ as it is, never a stale build', () => {
    assert.equal(prebuiltWorkflowBundle(), undefined);
  });
});
