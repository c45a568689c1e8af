import { sleepUnlessAborted } from '../../src/retry/backoff';
import type { PhoenixTraceReader, SessionTrace } from './phoenixTraceReader';
import type { RunTraceIdAnswer } from './runTraceId';
import type { TraceSpan } from './traceSpan';

/** Which run's trace to find, and where to ask. */
export interface RunTraceQuery {
  readonly requestId: string;
  /** The Phoenix project (for messages). */
  readonly projectName: string;
  /** Read this trace; no lookup. */
  readonly traceId?: string;
  /**
   * Only the run's memo decides: a rerun epoch shares its request id, and so the session, with
   * the first run.
   */
  readonly memoOnly?: boolean;
  /** Asks Temporal for the trace id in the run's memo. */
  readonly runTraceId: () => Promise<RunTraceIdAnswer>;
}

export type RunTrace =
  | {
      readonly kind: 'found';
      readonly traceId: string;
      readonly spans: readonly TraceSpan[];
      /** session: the request id as Phoenix session id; temporal: the run's memo; trace-id: given. */
      readonly foundBy: 'session' | 'temporal' | 'trace-id';
      /** Worth telling the reader (another trace of the same request, a source that did not answer). */
      readonly notes: readonly string[];
      /** After a wait: false when the trace was still growing at the deadline. */
      readonly settled?: boolean;
    }
  | { readonly kind: 'missing'; readonly reason: string };

/**
 * Finds the trace of a request's run in Phoenix: by the request id as session id (the relay's
 * spans carry `session.id`), else by the trace id Temporal keeps in the run's memo. When the
 * session holds several traces (the same request id sent again), the memo says which is the run's.
 *
 * @example
 * const found = await findRunTrace(reader, { requestId: 'r-42', projectName: 'research-relay', runTraceId: () => runTraceId(temporal, 'research-r-42') });
 * if (found.kind === 'found') console.log(renderWaterfall(buildSpanTree(found.spans), { width: 100 }));
 */
export async function findRunTrace(reader: PhoenixTraceReader, query: RunTraceQuery): Promise<RunTrace> {
  if (query.traceId !== undefined) return traceById(reader, query, query.traceId, 'trace-id', []);
  if (query.memoOnly) return traceFromMemo(reader, query, await query.runTraceId());
  const traces = await reader.tracesOfSession(query.requestId);
  if (traces === undefined) return noProject(query);
  const [only] = traces;
  if (only && traces.length === 1) return traceById(reader, query, only.traceId, 'session', []);
  if (traces.length > 1) return oneOfSession(reader, query, traces);
  return traceFromMemo(reader, query, await query.runTraceId());
}

export interface WaitOptions {
  /** Give up after this long: a trace found by then is returned unsettled, else missing. */
  readonly timeoutMs: number;
  /** The trace counts as complete once its span count has not changed for this long. */
  readonly settleMs: number;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
  /** After each look: how long it has waited, and how many spans it sees (undefined: no trace yet). */
  readonly onProgress?: (elapsedMs: number, spans: number | undefined) => void;
}

/**
 * findRunTrace until the trace is there and has stopped growing: spans reach Phoenix a few
 * seconds after they end, each process's in its own batches, so a trace read right after its
 * run can lack its last spans. Settled means the run's workflow span is in (it ends when the run
 * does) and no new span came for `settleMs` (longer than the exporters' 5 s batch delay).
 *
 * @example
 * const found = await waitForRunTrace(reader, query, { timeoutMs: 120_000, settleMs: 6_000 });
 */
export async function waitForRunTrace(reader: PhoenixTraceReader, query: RunTraceQuery, options: WaitOptions): Promise<RunTrace> {
  const started = Date.now();
  let latest: RunTrace = { kind: 'missing', reason: '' };
  let changedAt = started;
  for (;;) {
    const found: RunTrace = latest.kind === 'found' ? await traceById(reader, query, latest.traceId, latest.foundBy, latest.notes) : await findRunTrace(reader, query);
    const count = found.kind === 'found' ? found.spans.length : undefined;
    if (found.kind === 'found' && (latest.kind !== 'found' || count !== latest.spans.length)) changedAt = Date.now();
    // A trace once found stays found: a later read that comes back empty does not lose it.
    if (found.kind === 'found' || latest.kind !== 'found') latest = found;
    options.onProgress?.(Date.now() - started, count);
    // No span ends while a model call runs (tens of seconds): quiet alone is not done. The run's
    // workflow span ends last of the run's own, so settled needs it, then the quiet period.
    if (latest.kind === 'found' && holdsRunSpan(latest.spans) && Date.now() - changedAt >= options.settleMs) return { ...latest, settled: true };
    if (Date.now() - started >= options.timeoutMs || options.signal?.aborted) return latest.kind === 'found' ? { ...latest, settled: false } : latest;
    await sleepUnlessAborted(options.pollMs ?? 1000, options.signal);
  }
}

function holdsRunSpan(spans: readonly TraceSpan[]): boolean {
  return spans.some((span) => span.name.startsWith('RunWorkflow:'));
}

async function traceById(reader: PhoenixTraceReader, query: RunTraceQuery, traceId: string, foundBy: 'session' | 'temporal' | 'trace-id', notes: readonly string[]): Promise<RunTrace> {
  const spans = await reader.spansOfTrace(traceId);
  if (spans === undefined) return noProject(query);
  if (spans.length === 0) return { kind: 'missing', reason: `no spans of trace ${traceId}${foundBy === 'trace-id' ? '' : ` (request ${query.requestId})`} in Phoenix project "${query.projectName}" yet` };
  return { kind: 'found', traceId, spans, foundBy, notes };
}

async function traceFromMemo(reader: PhoenixTraceReader, query: RunTraceQuery, answer: RunTraceIdAnswer): Promise<RunTrace> {
  if (answer.kind === 'found') return traceById(reader, query, answer.traceId, 'temporal', []);
  if (query.memoOnly) return { kind: 'missing', reason: `no trace id for request ${query.requestId}: ${memoStory(answer)}` };
  const inPhoenix = `no trace for request ${query.requestId} in Phoenix project "${query.projectName}"`;
  switch (answer.kind) {
    case 'no-run':
      return { kind: 'missing', reason: `${inPhoenix}, and Temporal has no run ${answer.workflowId}` };
    case 'no-trace-id':
      return { kind: 'missing', reason: `${inPhoenix} yet, and its run ${answer.workflowId} keeps no trace id` };
    case 'unavailable':
      return { kind: 'missing', reason: `${inPhoenix} yet; Temporal, asked for the trace id of run ${answer.workflowId}, did not answer: ${answer.reason}` };
  }
}

/** Several traces share the request id: the run's is the one in its memo, else the newest is shown. */
async function oneOfSession(reader: PhoenixTraceReader, query: RunTraceQuery, traces: readonly SessionTrace[]): Promise<RunTrace> {
  const answer = await query.runTraceId();
  const ids = traces.map((trace) => trace.traceId);
  const memo = answer.kind === 'found' && ids.includes(answer.traceId) ? answer.traceId : undefined;
  const pick = memo ?? ids.at(-1) ?? '';
  const why = memo ? `the one run ${answer.workflowId} keeps in its memo` : `the newest (${memoStory(answer)})`;
  const others = ids.filter((id) => id !== pick).join(', ');
  return traceById(reader, query, pick, 'session', [`request ${query.requestId} has ${ids.length} traces in Phoenix; showing ${why}; the others: ${others}`]);
}

function memoStory(answer: RunTraceIdAnswer): string {
  switch (answer.kind) {
    case 'found':
      return `run ${answer.workflowId} keeps trace ${answer.traceId}, which Phoenix does not have`;
    case 'no-run':
      return `Temporal has no run ${answer.workflowId}`;
    case 'no-trace-id':
      return `run ${answer.workflowId} keeps no trace id`;
    case 'unavailable':
      return `Temporal did not answer: ${answer.reason}`;
  }
}

function noProject(query: RunTraceQuery): RunTrace {
  return { kind: 'missing', reason: `no trace for request ${query.requestId}: Phoenix has no project "${query.projectName}" (PHOENIX_PROJECT_NAME) — nothing has sent spans to it yet` };
}
