import { llmCallOf, type LlmCall } from './llmCall';
import type { TraceSpan } from './traceSpan';

/** A span in its place in the tree. */
export interface SpanNode {
  readonly span: TraceSpan;
  /** 0 for a root. */
  readonly depth: number;
  /** Ordered by start time. */
  readonly children: readonly SpanNode[];
  /** Set for LLM spans. */
  readonly llm: LlmCall | undefined;
  /**
   * False for an LLM span inside another LLM span (an SDK's own span under the relay's
   * `chat` span would carry the same tokens): the totals count only the outermost.
   */
  readonly countedInTotals: boolean;
  /** The span names a parent the trace does not hold (not exported, or not arrived yet): it is shown as a root. */
  readonly parentMissing: boolean;
}

/** The sums of a trace. Tokens and cost come from LLM spans only, each model call once. */
export interface TraceTotals {
  readonly spans: number;
  /** First start to last end. */
  readonly durationUs: number;
  readonly llmCalls: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
  readonly costUsd: number;
  /** LLM calls whose span names no cost (their cost is not in costUsd). */
  readonly llmCallsWithoutCost: number;
  readonly errors: number;
  readonly parentsMissing: number;
}

export interface SpanTree {
  readonly traceId: string;
  readonly roots: readonly SpanNode[];
  /** Every node depth-first, children in start order: the waterfall's rows. */
  readonly ordered: readonly SpanNode[];
  readonly startUs: number;
  readonly endUs: number;
  readonly totals: TraceTotals;
}

/**
 * The spans of one trace as a tree: children under their parents in start order, spans
 * whose parent is missing as extra roots, and the totals.
 *
 * @example
 * const tree = buildSpanTree(spans);
 * for (const node of tree.ordered) console.log(`${'  '.repeat(node.depth)}${node.span.name}`);
 * console.log(tree.totals.totalTokens, tree.totals.costUsd);
 */
export function buildSpanTree(spans: readonly TraceSpan[]): SpanTree {
  const unique = [...new Map(spans.map((span) => [span.spanId, span])).values()].sort(byStart);
  const ids = new Set(unique.map((span) => span.spanId));
  const childrenOf = new Map<string, TraceSpan[]>();
  for (const span of unique) if (span.parentId !== undefined && ids.has(span.parentId)) childrenOf.set(span.parentId, [...(childrenOf.get(span.parentId) ?? []), span]);
  const ordered: SpanNode[] = [];
  const placed = new Set<string>();
  const place = (span: TraceSpan, depth: number, insideLlm: boolean): SpanNode => {
    placed.add(span.spanId);
    const llm = llmCallOf(span);
    const children: SpanNode[] = [];
    const node: SpanNode = { span, depth, children, llm, countedInTotals: llm !== undefined && !insideLlm, parentMissing: span.parentId !== undefined && !ids.has(span.parentId) };
    ordered.push(node);
    for (const child of childrenOf.get(span.spanId) ?? []) if (!placed.has(child.spanId)) children.push(place(child, depth + 1, insideLlm || llm !== undefined));
    return node;
  };
  const roots = unique.filter((span) => span.parentId === undefined || !ids.has(span.parentId)).map((span) => place(span, 0, false));
  // Spans whose parents form a cycle hang from no root; a tree that drops spans would hide them.
  for (const span of unique) if (!placed.has(span.spanId)) roots.push(place(span, 0, false));
  const startUs = unique.reduce((first, span) => Math.min(first, span.startUs), unique[0]?.startUs ?? 0);
  const endUs = unique.reduce((last, span) => Math.max(last, span.endUs), startUs);
  return { traceId: unique[0]?.traceId ?? '', roots, ordered, startUs, endUs, totals: totalsOf(ordered, endUs - startUs) };
}

function totalsOf(nodes: readonly SpanNode[], durationUs: number): TraceTotals {
  const calls = nodes.filter((node) => node.countedInTotals).map((node) => node.llm as LlmCall);
  const sum = (value: (call: LlmCall) => number | undefined): number => calls.reduce((total, call) => total + (value(call) ?? 0), 0);
  return {
    spans: nodes.length,
    durationUs,
    llmCalls: calls.length,
    promptTokens: sum((call) => call.promptTokens),
    completionTokens: sum((call) => call.completionTokens),
    totalTokens: sum((call) => call.totalTokens),
    costUsd: sum((call) => call.costUsd),
    llmCallsWithoutCost: calls.filter((call) => call.costUsd === undefined).length,
    errors: nodes.filter((node) => node.span.status.toUpperCase() === 'ERROR').length,
    parentsMissing: nodes.filter((node) => node.parentMissing).length,
  };
}

/** Earlier start first; of two starting together the longer (the likely parent) first, then by name. */
function byStart(a: TraceSpan, b: TraceSpan): number {
  return a.startUs - b.startUs || b.endUs - a.endUs || a.name.localeCompare(b.name);
}
