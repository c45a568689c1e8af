import assert from 'node:assert/strict';
import type { Client, Connection } from '@temporalio/client';
import { after, before, describe, it } from 'node:test';
import { runCli, startCli } from '../../support/cliRunner';
import { eventually } from '../../support/eventually';
import { exportRunTrace, runShapedSpans, type ExportedRunTrace } from '../../support/runShapedTrace';
import { tearDown } from '../../support/teardown';
import { testTemporalClient, uniqueName } from '../../support/testInfrastructure';
import { freePorts, testPhoenix, type TestPhoenix } from '../../support/testPhoenix';

interface SpanJson {
  spanId: string;
  parentId: string | null;
  name: string;
  status: string;
  offsetMs: number;
  durationMs: number;
  llm?: { agent?: string; promptTokens?: number; completionTokens?: number; costUsd?: number; countedInTotals: boolean };
  children: SpanJson[];
}

describe('research-relay trace <requestId>', () => {
  let phoenix: TestPhoenix;
  let temporal: { client: Client; connection: Connection };
  const projectName = uniqueName('trace-cli');
  const requestId = uniqueName('trace-cli-request');
  let run: ExportedRunTrace;
  const env = (): NodeJS.ProcessEnv => ({ PHOENIX_URL: phoenix.url, PHOENIX_PROJECT_NAME: projectName });
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(['trace', ...args], { ...env(), ...extra });

  /** Exports a run-shaped trace of `id` and waits until Phoenix serves every span of it. */
  async function exportedRun(id: string): Promise<ExportedRunTrace> {
    const trace = await exportRunTrace(phoenix.otlpHttpEndpoint, projectName, runShapedSpans(id));
    await eventually(async () => {
      const response = await fetch(`${phoenix.url}/v1/projects/${projectName}/spans?trace_id=${trace.traceId}&limit=1000`);
      const body = response.ok ? ((await response.json()) as { data: unknown[] }) : { data: [] };
      return body.data.length === trace.spans.length ? true : undefined;
    }, 30_000, `the ${trace.spans.length} spans of trace ${trace.traceId} in Phoenix`);
    return trace;
  }

  before(async () => {
    phoenix = await testPhoenix();
    temporal = await testTemporalClient();
    run = await exportedRun(requestId);
  });
  // Also after a failed before(): what was started is stopped, what was made is deleted, whatever an earlier step threw.
  after(() =>
    tearDown(
      () => (temporal as typeof temporal | undefined)?.connection.close(),
      () => (phoenix as TestPhoenix | undefined)?.dropProject(projectName),
      () => (phoenix as TestPhoenix | undefined)?.close(),
    ),
  );

  it('draws the run’s spans as a waterfall: the tree in order and indented, bars on one time axis, each LLM call’s tokens and cost, the totals', async () => {
    const width = 130;
    const result = await cli([requestId, '--width', String(width)]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines[0], `trace ${run.traceId} · request ${requestId} · Phoenix project ${projectName}`);
    assert.equal(lines[1], `${phoenix.url}/redirects/traces/${run.traceId}`);
    const rows = lines.slice(4, 4 + run.spans.length);
    assert.deepEqual(rows.map((row) => /^( *)(?:✗ )?(.+?) +│/.exec(row)?.slice(1, 3)), run.spans.map((span) => [' '.repeat(2 * span.depth), span.name]), result.stdout);
    assert.ok(lines.every((line) => line.length <= width), `every line within --width ${width}`);

    // One axis for all: a bar starts in the cell its span's start falls in (the trace is 4 s long).
    const cells = (rows[0] ?? '').split('│')[1]?.length ?? 0;
    assert.ok(cells >= 40, `${cells} cells for the bars`);
    assert.deepEqual(rows.map((row) => row.split('│')[1]?.indexOf('█')), run.spans.map((span) => Math.floor((span.startMs / 4000) * cells)));
    assert.equal(rows[4]?.split('│')[1]?.trimEnd().length, cells, 'the workflow run ends where the trace does');

    const llmRows = rows.filter((row) => / chat /.test(row));
    assert.deepEqual(llmRows.map((row) => row.split('│')[2]?.trim()), [
      '800 ms 812 in/164 out $0.0029',
      '930 ms 1,500 in/420 out $0.0013',
      '535 ms error: rate limited (429)',
      '1.66 s 3,200 in/900 out $0.0136',
    ]);
    assert.match(llmRows[2] ?? '', /^ +✗ chat gpt-4\.1-mini/, 'the failed call is marked');
    const totals = lines.slice(4 + run.spans.length + 1).join(' ').replace(/ +/g, ' ');
    assert.match(totals, /^total: 19 spans in 4\.00 s · 4 LLM calls · 5,512 in \/ 1,484 out tokens \(6,996 total\) · \$0\.0178 \(1 call without a cost\) · ✗ 1 error errors: ✗ chat gpt-4\.1-mini \(span [0-9a-f]{16}\): rate limited \(429\)$/);
  });

  it('--json gives scripts the tree: ids, parent links, times, tokens and cost per LLM call, and the totals', async () => {
    const result = await cli([requestId, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const output = JSON.parse(result.stdout) as { requestId: string; traceId: string; foundBy: string; link: string; totals: Record<string, number>; spans: SpanJson[] };
    assert.deepEqual([output.requestId, output.traceId, output.foundBy, output.link], [requestId, run.traceId, 'session', `${phoenix.url}/redirects/traces/${run.traceId}`]);
    assert.deepEqual(output.totals, { durationMs: 4000, spans: 19, llmCalls: 4, promptTokens: 5512, completionTokens: 1484, totalTokens: 6996, costUsd: 0.017808, llmCallsWithoutCost: 1, errors: 1, parentsMissing: 0 });
    const flat: { node: SpanJson; parent: SpanJson | undefined }[] = [];
    const walk = (node: SpanJson, parent: SpanJson | undefined): void => {
      flat.push({ node, parent });
      node.children.forEach((child) => walk(child, node));
    };
    output.spans.forEach((root) => walk(root, undefined));
    assert.equal(output.spans.length, 1, 'one root: research.request');
    assert.ok(flat.every(({ node, parent }) => node.parentId === (parent?.spanId ?? null)), 'each child names the span it sits under');
    assert.deepEqual(flat.map(({ node }) => [node.spanId, node.parentId, node.name, node.offsetMs]), run.spans.map((span) => [span.spanId, span.parentSpanId ?? null, span.name, span.startMs]));
    const writer = flat.find(({ node }) => node.llm?.agent === 'writer')?.node;
    assert.deepEqual(writer?.llm, { model: 'gpt-4.1', agent: 'writer', promptTokens: 3200, completionTokens: 900, totalTokens: 4100, costUsd: 0.0136, countedInTotals: true });
    assert.equal(writer?.durationMs, 1660);
  });

  it('--epoch N reads the trace id of the rerun from its memo in Temporal', async () => {
    const rerun = await exportedRun(requestId); // the rerun's spans carry the same request id
    const workflowId = `research-${requestId}~r2`;
    await temporal.client.workflow.start('ResearchWorkflow', { taskQueue: uniqueName('trace-cli-queue'), workflowId, args: [], memo: { requestId, traceId: rerun.traceId, epoch: 2 } });
    try {
      const result = await cli([requestId, '--epoch', '2', '--json']);
      assert.equal(result.code, 0, result.stderr);
      const output = JSON.parse(result.stdout) as { traceId: string; foundBy: string };
      assert.deepEqual([output.traceId, output.foundBy], [rerun.traceId, 'temporal']);
    } finally {
      await temporal.client.workflow.getHandle(workflowId).terminate('test over');
    }
  });

  it('--wait waits for a trace that reaches Phoenix later, showing progress, then draws it', async () => {
    const late = uniqueName('trace-cli-late');
    const child = startCli(['trace', late, '--wait', '--timeout', '60'], env());
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await eventually(() => (stderr.includes(`waiting for the trace of request ${late} in Phoenix: not there yet`) ? true : undefined), 30_000, 'the wait’s progress line');
    const trace = await exportRunTrace(phoenix.otlpHttpEndpoint, projectName, runShapedSpans(late));
    assert.equal(await exited, 0, stderr);
    assert.match(stdout, new RegExp(`^trace ${trace.traceId} · request ${late}`));
    assert.match(stderr, /19 spans, waiting for the run's last spans/);
    assert.match(stdout, /total: 19 spans/);
  });

  it('answers --help, and rejects a wrong flag or trace id with exit 2 and the usage', async () => {
    const help = await cli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: research-relay trace <requestId> \[options\]/);
    assert.match(help.stdout, /--wait/);
    const wrong = await cli([requestId, '--no-such-flag']);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /^research-relay: Unknown option '--no-such-flag'/);
    assert.match(wrong.stderr, /Usage: research-relay trace/);
    const badId = await cli(['--trace-id', 'not-hex']);
    assert.equal(badId.code, 2);
    assert.match(badId.stderr, /--trace-id must be 32 hex digits \(got "not-hex"\)/);
    const none = await cli([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /give exactly one request id \(or --trace-id\)/);
    const overview = await runCli(['--help']);
    assert.match(overview.stdout, /\n {2}trace <requestId> {3}a run's spans from Phoenix as a waterfall/);
  });

  it('says so, exiting 1, when Phoenix cannot be reached (naming PHOENIX_URL) or has no trace for the request', async () => {
    const [closed] = await freePorts(1);
    const unreachable = await cli([requestId], { PHOENIX_URL: `http://127.0.0.1:${closed}` });
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, new RegExp(`^research-relay: cannot reach Phoenix at http://127\\.0\\.0\\.1:${closed} \\(PHOENIX_URL\\): .*ECONNREFUSED`));
    const unknown = uniqueName('never-sent');
    const missing = await cli([unknown]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, new RegExp(`^no trace for request ${unknown} in Phoenix project "${projectName}", and Temporal has no run research-${unknown}\n\\(spans reach Phoenix a few seconds after they end: --wait waits for them\\)`));
    const json = await cli([unknown, '--json']);
    assert.equal(json.code, 1);
    assert.deepEqual(JSON.parse(json.stdout), { requestId: unknown, found: false, reason: `no trace for request ${unknown} in Phoenix project "${projectName}", and Temporal has no run research-${unknown}` });
  });
});
