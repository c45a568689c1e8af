import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { prefixedNameVariables } from '../../../src/config/prefixedNames';
import { eventually } from '../../support/eventually';
import { phoenixSpans, phoenixUrl, type PhoenixSpan } from '../../support/phoenixBackend';
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
    // The demo prints the link once Phoenix holds the run's workflow span, or, when Phoenix lags
    // behind its wait (a loaded machine), with a note that the trace is still arriving: the link
    // is the same, and what the user then opens is the whole trace.
    const link = /^Phoenix:\s+(\S+)(?: \(the trace is still arriving\))?$/m.exec(demo.stdout)?.[1];
    assert.equal(link, `${phoenixUrl}/redirects/traces/${traceId}`, `the last lines: ${demo.stdout.slice(-400)}`);
    assert.doesNotMatch(demo.stderr, /export failed/i);
    const searches = Number(/(\d+)\/\1 searches/.exec(demo.stdout)?.[1]);
    assert.ok(Number.isInteger(searches), `every search succeeded: ${demo.stdout}`);
    const llmSpans = (spans: readonly PhoenixSpan[]): number => spans.filter((span) => span.span_kind === 'LLM').length;
    const names = ['research.request', 'RunWorkflow:ResearchWorkflow', 'research.plan', 'research.write', 'research.publish'];
    // Phoenix inserts in batches: wait until the trace is whole there (an LLM span per agent call).
    const spans = await eventually(async () => {
      const found = await phoenixSpans(project, traceId);
      return names.every((name) => found.some((span) => span.name === name)) && llmSpans(found) >= searches + 2 ? found : undefined;
    }, 120_000, `${names.join(', ')} and ${searches + 2} LLM spans of trace ${traceId} in Phoenix project ${project}`);
    const page = await fetch(link);
    assert.equal(page.status, 200, 'Phoenix serves the link');
    assert.deepEqual(spans.filter((span) => span.parent_id === null).map((span) => span.name), ['research.request'], 'the demo’s request span is the root');
    assert.equal(llmSpans(spans), searches + 2, 'an LLM span per agent call');
  });
});
