import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { prefixedNameVariables } from '../../../src/config/prefixedNames';
import { phoenixSpans, phoenixUrl } from '../../support/phoenixBackend';
import { uniqueName } from '../../support/testInfrastructure';

const root = path.resolve(__dirname, '../../..');

/** Runs the built main job as a newcomer would (offline, no OTLP endpoint configured). */
function runDemo(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(root, 'dist/app/demo/demoMain.js')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('npm run demo (the main job)', () => {
  it('ends with a link to the run’s whole trace in Phoenix, rooted at the request', async () => {
    const prefix = uniqueName('demo');
    const project = `${prefix}-project`;
    const env: NodeJS.ProcessEnv = { ...process.env, ...prefixedNameVariables(prefix), PHOENIX_PROJECT_NAME: project, PHOENIX_URL: phoenixUrl };
    for (const name of Object.keys(env)) if (name.startsWith('OTEL_') || name.startsWith('OPENAI_')) delete env[name];
    const demo = await runDemo(env);
    assert.equal(demo.code, 0, demo.stderr);
    const traceId = /trace id:\s+([0-9a-f]{32})/.exec(demo.stdout)?.[1];
    assert.ok(traceId, demo.stdout);
    const link = /^Phoenix:\s+(\S+)$/m.exec(demo.stdout)?.[1];
    assert.equal(link, `${phoenixUrl}/redirects/traces/${traceId}`, `the last lines: ${demo.stdout.slice(-400)}`);
    assert.doesNotMatch(demo.stdout, /still arriving/, 'the trace was in Phoenix when the link was printed');
    assert.doesNotMatch(demo.stderr, /export failed/i);
    const page = await fetch(link);
    assert.equal(page.status, 200, 'Phoenix serves the link');
    const spans = await phoenixSpans(project, traceId);
    assert.deepEqual(spans.filter((span) => span.parent_id === null).map((span) => span.name), ['research.request'], 'the demo’s request span is the root');
    for (const name of ['RunWorkflow:ResearchWorkflow', 'research.plan', 'research.write', 'research.publish']) assert.ok(spans.some((span) => span.name === name), `${name} is in the trace`);
    assert.equal(spans.filter((span) => span.span_kind === 'LLM').length, Number(/(\d+)\/\1 searches/.exec(demo.stdout)?.[1] ?? NaN) + 2, 'an LLM span per agent call');
  });
});
