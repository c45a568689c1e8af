import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPhoenixTraceReader, type PhoenixTraceReader } from '../../../operator/traces/phoenixTraceReader';
import type { RunTraceIdAnswer } from '../../../operator/traces/runTraceId';
import { findRunTrace, waitForRunTrace, type RunTraceQuery } from '../../../operator/traces/runTraceLookup';
import type { TraceSpan } from '../../../operator/traces/traceSpan';
import { eventually } from '../../support/eventually';
import { exportRunTrace, runShapedSpans } from '../../support/runShapedTrace';
import { uniqueName } from '../../support/testInfrastructure';
import { testPhoenix, type TestPhoenix } from '../../support/testPhoenix';
import { traceSpan } from '../../support/traceSpans';

const memo = (answer: RunTraceIdAnswer) => () => Promise.resolve(answer);

describe('finding a run’s trace in Phoenix', () => {
  let phoenix: TestPhoenix;
  let reader: PhoenixTraceReader;
  const projectName = uniqueName('trace-lookup');
  const query = (requestId: string, extra: Partial<RunTraceQuery> = {}): RunTraceQuery => ({
    requestId,
    projectName,
    runTraceId: memo({ kind: 'no-run', workflowId: `research-${requestId}` }),
    ...extra,
  });

  before(async () => {
    phoenix = await testPhoenix();
    reader = createPhoenixTraceReader({ url: phoenix.url, projectName });
  });
  after(async () => {
    // Also after a failed before(): what was started is stopped, what was made is deleted.
    await (phoenix as TestPhoenix | undefined)?.dropProject(projectName);
    await (phoenix as TestPhoenix | undefined)?.close();
  });

  /** Exports a run-shaped trace and waits until Phoenix serves all of it. */
  async function exported(requestId: string, withSession = true, startEpochMs = Date.now() - 60_000): Promise<string> {
    const planned = runShapedSpans(requestId).map((span) => (withSession ? span : { ...span, attributes: Object.fromEntries(Object.entries(span.attributes ?? {}).filter(([key]) => key !== 'session.id')) }));
    const { traceId } = await exportRunTrace(phoenix.otlpHttpEndpoint, projectName, planned, startEpochMs);
    await eventually(async () => ((await reader.spansOfTrace(traceId))?.length === planned.length ? true : undefined), 30_000, `trace ${traceId} in Phoenix`);
    return traceId;
  }

  it('finds it by the request id as session id, without asking Temporal', async () => {
    const requestId = uniqueName('lookup-session');
    const traceId = await exported(requestId);
    let asked = false;
    const found = await findRunTrace(reader, query(requestId, { runTraceId: () => ((asked = true), Promise.resolve({ kind: 'no-run', workflowId: 'w' })) }));
    assert.equal(found.kind, 'found');
    assert.deepEqual(found.kind === 'found' && [found.traceId, found.foundBy, found.spans.length, found.notes], [traceId, 'session', 19, []]);
    assert.equal(asked, false);
  });

  it('of two traces with the same request id (sent twice), shows the one the run’s memo names, else the newest, and says so', async () => {
    const requestId = uniqueName('lookup-twice');
    const first = await exported(requestId, true, Date.now() - 120_000);
    const second = await exported(requestId, true, Date.now() - 60_000);
    const byMemo = await findRunTrace(reader, query(requestId, { runTraceId: memo({ kind: 'found', workflowId: `research-${requestId}`, traceId: first }) }));
    assert.ok(byMemo.kind === 'found');
    assert.equal(byMemo.traceId, first);
    assert.match(byMemo.notes.join('\n'), new RegExp(`has 2 traces in Phoenix; showing the one run research-${requestId} keeps in its memo; the others: ${second}`));
    const newest = await findRunTrace(reader, query(requestId, { runTraceId: memo({ kind: 'unavailable', workflowId: 'w', reason: 'cannot reach Temporal at 127.0.0.1:1 (TEMPORAL_ADDRESS)' }) }));
    assert.ok(newest.kind === 'found');
    assert.equal(newest.traceId, second);
    assert.match(newest.notes.join('\n'), /showing the newest \(Temporal did not answer: cannot reach Temporal/);
  });

  it('falls back to the trace id in the run’s memo when no span carries the request id, and with --epoch asks only the memo', async () => {
    const requestId = uniqueName('lookup-memo');
    const traceId = await exported(requestId, false);
    const answer = memo({ kind: 'found', workflowId: `research-${requestId}`, traceId });
    const found = await findRunTrace(reader, query(requestId, { runTraceId: answer }));
    assert.deepEqual(found.kind === 'found' && [found.traceId, found.foundBy], [traceId, 'temporal']);
    const sessionTrace = await exported(requestId);
    const rerun = await findRunTrace(reader, query(requestId, { memoOnly: true, runTraceId: answer }));
    assert.deepEqual(rerun.kind === 'found' && [rerun.traceId, rerun.foundBy], [traceId, 'temporal'], `the memo's trace, not the session's ${sessionTrace}`);
  });

  it('says why there is no trace: no such project, no run, a run without a trace id, Temporal not answering, spans not there yet', async () => {
    const reasons = async (q: RunTraceQuery, from: PhoenixTraceReader = reader): Promise<string> => {
      const found = await findRunTrace(from, q);
      assert.equal(found.kind, 'missing');
      return found.kind === 'missing' ? found.reason : '';
    };
    const missingProject = uniqueName('no-such-project');
    const noProject = createPhoenixTraceReader({ url: phoenix.url, projectName: missingProject });
    assert.equal(await reasons(query('r-1', { projectName: missingProject }), noProject), `no trace for request r-1: Phoenix has no project "${missingProject}" (PHOENIX_PROJECT_NAME) — nothing has sent spans to it yet`);
    assert.equal(await reasons(query('r-2')), `no trace for request r-2 in Phoenix project "${projectName}", and Temporal has no run research-r-2`);
    assert.equal(await reasons(query('r-3', { runTraceId: memo({ kind: 'no-trace-id', workflowId: 'research-r-3' }) })), `no trace for request r-3 in Phoenix project "${projectName}" yet, and its run research-r-3 keeps no trace id`);
    assert.match(await reasons(query('r-4', { runTraceId: memo({ kind: 'unavailable', workflowId: 'research-r-4', reason: 'cannot reach Temporal at x (TEMPORAL_ADDRESS)' }) })), /yet; Temporal, asked for the trace id of run research-r-4, did not answer: cannot reach Temporal at x \(TEMPORAL_ADDRESS\)$/);
    const unseen = '0123456789abcdef0123456789abcdef';
    assert.equal(await reasons(query('r-5', { runTraceId: memo({ kind: 'found', workflowId: 'research-r-5', traceId: unseen }) })), `no spans of trace ${unseen} (request r-5) in Phoenix project "${projectName}" yet`);
    assert.equal(await reasons(query('r-6', { memoOnly: true, runTraceId: memo({ kind: 'no-run', workflowId: 'research-r-6~r2' }) })), 'no trace id for request r-6: Temporal has no run research-r-6~r2');
  });
});

describe('waiting for a run’s trace', () => {
  /** A Phoenix stand-in whose trace has counts[n] spans at the n-th look (then the last count). */
  /** A trace of `counts[look]` spans at each look; its last span is the run's workflow span unless `withRunSpan` is false. */
  function growingReader(counts: readonly number[], withRunSpan = true): PhoenixTraceReader {
    let look = 0;
    const count = (): number => counts[look] ?? counts.at(-1) ?? 0;
    const name = (index: number, n: number): string => (withRunSpan && index === n - 1 ? 'RunWorkflow:ResearchWorkflow' : `span ${index}`);
    const spans = (n: number): TraceSpan[] => Array.from({ length: n }, (_, index) => traceSpan(`s${index}`, index ? 's0' : undefined, name(index, n), index, index + 1));
    return {
      tracesOfSession: () => {
        if (count() > 0) return Promise.resolve([{ traceId: 't', startTime: '', endTime: '' }]);
        look += 1; // no trace: this look ends here
        return Promise.resolve([]);
      },
      spansOfTrace: () => Promise.resolve(spans(counts[look++] ?? counts.at(-1) ?? 0)),
    };
  }
  const query: RunTraceQuery = { requestId: 'r-wait', projectName: 'p', runTraceId: memo({ kind: 'no-run', workflowId: 'research-r-wait' }) };

  it('waits until the trace is there and has not grown for the settle time, reporting progress', async () => {
    const reader = growingReader([0, 0, 2, 5, 7, 7]);
    const progress: (number | undefined)[] = [];
    const found = await waitForRunTrace(reader, query, { timeoutMs: 10_000, settleMs: 150, pollMs: 20, onProgress: (_elapsed, spans) => progress.push(spans) });
    assert.ok(found.kind === 'found');
    assert.equal(found.settled, true);
    assert.equal(found.spans.length, 7);
    assert.deepEqual(progress.slice(0, 5), [undefined, undefined, 2, 5, 7]);
    assert.ok(progress.length > 6, 'it kept looking after the last span arrived, for the settle time');
  });

  it('never calls a trace settled before the run’s workflow span is in: no span ends while a model call runs', async () => {
    const quiet = await waitForRunTrace(growingReader([4], false), query, { timeoutMs: 400, settleMs: 50, pollMs: 20 });
    assert.equal(quiet.kind, 'found');
    assert.equal(quiet.settled, false, 'quiet for 8 settle times, yet the run was still going');
  });

  it('gives up at the timeout: a trace still growing is returned unsettled, none at all is missing', async () => {
    const growing = await waitForRunTrace(growingReader(Array.from({ length: 1000 }, (_, index) => index + 1)), query, { timeoutMs: 300, settleMs: 200, pollMs: 20 });
    assert.ok(growing.kind === 'found');
    assert.equal(growing.settled, false);
    const started = Date.now();
    const none = await waitForRunTrace(growingReader([0]), query, { timeoutMs: 300, settleMs: 200, pollMs: 20 });
    assert.equal(none.kind, 'missing');
    assert.ok(Date.now() - started >= 300, 'it waited the whole timeout');
  });
});
