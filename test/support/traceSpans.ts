import type { TraceSpan } from '../../operator/traces/traceSpan';

/** The start of the test traces: 2026-01-01T00:00:00Z, in microseconds. */
export const t0Us = Date.parse('2026-01-01T00:00:00Z') * 1000;

/** A span of trace "t" for the trace tools' unit tests, timed in milliseconds from t0Us. */
export function traceSpan(spanId: string, parentId: string | undefined, name: string, startMs: number, endMs: number, extra: Partial<TraceSpan> = {}): TraceSpan {
  return {
    traceId: 't',
    spanId,
    parentId,
    name,
    kind: 'UNKNOWN',
    status: 'UNSET',
    statusMessage: '',
    startTime: new Date(t0Us / 1000 + startMs).toISOString(),
    endTime: new Date(t0Us / 1000 + endMs).toISOString(),
    startUs: t0Us + startMs * 1000,
    endUs: t0Us + endMs * 1000,
    attributes: {},
    ...extra,
  };
}

/** The attributes of an LLM span with its usage (and cost, when given). */
export function llmUsage(prompt: number, completion: number, costUsd?: number): Partial<TraceSpan> {
  return {
    kind: 'LLM',
    attributes: { 'llm.token_count.prompt': prompt, 'llm.token_count.completion': completion, 'llm.token_count.total': prompt + completion, ...(costUsd === undefined ? {} : { 'llm.cost.total': costUsd }) },
  };
}
