import type { LlmCall } from './llmCall';
import type { SpanNode, SpanTree, TraceTotals } from './spanTree';

/** One span of `research-relay trace --json`. */
export interface SpanJson {
  readonly spanId: string;
  readonly parentId: string | null;
  readonly name: string;
  readonly kind: string;
  readonly status: string;
  readonly statusMessage?: string;
  readonly start: string;
  readonly end: string;
  readonly durationMs: number;
  /** From the trace's first start. */
  readonly offsetMs: number;
  readonly attributes: Record<string, unknown>;
  readonly llm?: LlmCall & { readonly countedInTotals: boolean };
  readonly parentMissing?: true;
  readonly children: SpanJson[];
}

export interface SpanTreeJson {
  readonly traceId: string;
  readonly start: string | null;
  readonly end: string | null;
  readonly durationMs: number;
  readonly totals: Omit<TraceTotals, 'durationUs'> & { readonly durationMs: number };
  readonly spans: SpanJson[];
}

/**
 * The attributes a script wants of a run's span: ids and agents, models, tokens, costs,
 * messaging and the relay's own. Message text (`input.value`, `gen_ai.input.messages`, …)
 * stays out: it can be large and is shown only where the content policy let it be recorded.
 */
const attributesOfInterest = /^(session\.id|gen_ai\.(agent\.name|request\.model|response\.model|usage\..+)|llm\.(model_name|provider|system|token_count\..+|cost\..+)|messaging\.(system|operation.*|destination\.name|kafka\..+)|research(_relay)?\..+|temporal.*|error\.type|exception\.(type|message))$/;

/**
 * The span tree as plain JSON: the totals and every span with its children, ids, parent,
 * kind, status, times and the attributes of interest.
 *
 * @example
 * console.log(JSON.stringify(spanTreeJson(buildSpanTree(spans))));
 */
export function spanTreeJson(tree: SpanTree): SpanTreeJson {
  const { durationUs, ...totals } = tree.totals;
  const first = tree.ordered.reduce<SpanNode | undefined>((earliest, node) => (earliest && earliest.span.startUs <= node.span.startUs ? earliest : node), undefined);
  const last = tree.ordered.reduce<SpanNode | undefined>((latest, node) => (latest && latest.span.endUs >= node.span.endUs ? latest : node), undefined);
  return {
    traceId: tree.traceId,
    start: first?.span.startTime ?? null,
    end: last?.span.endTime ?? null,
    durationMs: milliseconds(durationUs),
    totals: { durationMs: milliseconds(durationUs), ...totals, costUsd: Number(totals.costUsd.toFixed(9)) },
    spans: tree.roots.map((root) => nodeJson(root, tree.startUs)),
  };
}

function nodeJson(node: SpanNode, traceStartUs: number): SpanJson {
  const { span } = node;
  return {
    spanId: span.spanId,
    parentId: span.parentId ?? null,
    name: span.name,
    kind: span.kind,
    status: span.status,
    ...(span.statusMessage ? { statusMessage: span.statusMessage } : {}),
    start: span.startTime,
    end: span.endTime,
    durationMs: milliseconds(span.endUs - span.startUs),
    offsetMs: milliseconds(span.startUs - traceStartUs),
    attributes: Object.fromEntries(Object.entries(span.attributes).filter(([key]) => attributesOfInterest.test(key))),
    ...(node.llm ? { llm: { ...node.llm, countedInTotals: node.countedInTotals } } : {}),
    ...(node.parentMissing ? { parentMissing: true as const } : {}),
    children: node.children.map((child) => nodeJson(child, traceStartUs)),
  };
}

function milliseconds(us: number): number {
  return Math.round(us) / 1000;
}
