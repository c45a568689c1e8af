import type { SpanNode, SpanTree, TraceTotals } from './spanTree';

export interface WaterfallOptions {
  /** Characters per line (the terminal's width); the bars take what the other columns leave. */
  readonly width: number;
}

/** Where a bar sits on the axis, in character cells. */
export interface BarCells {
  readonly offset: number;
  readonly length: number;
}

const minBarCells = 10;
const maxLabelShare = 0.35;
const maxDetailWidth = 28;
const maxDetailShare = 0.3;
const durationWidth = 8;

/**
 * The cells a span's bar covers on a shared axis of `cells` characters: from the cell its start
 * falls in to the cell its end falls in, at least one cell, so a short span still shows where
 * it happened.
 *
 * @example
 * barCells(250, 500, { startUs: 0, endUs: 1000 }, 40); // { offset: 10, length: 10 }
 */
export function barCells(startUs: number, endUs: number, axis: { readonly startUs: number; readonly endUs: number }, cells: number): BarCells {
  const span = Math.max(1, axis.endUs - axis.startUs);
  const at = (us: number): number => Math.min(cells, Math.max(0, ((us - axis.startUs) / span) * cells));
  const offset = Math.min(cells - 1, Math.floor(at(startUs)));
  // An end exactly on a cell boundary ends in the cell before it (the epsilon absorbs float noise: 0.1 + 0.2).
  const end = Math.ceil(at(endUs) - 1e-9);
  return { offset, length: Math.max(1, end - offset) };
}

/**
 * A trace as a waterfall: a header with the time axis, one line per span (indented by depth,
 * a bar on the shared axis, the duration; tokens and cost for LLM calls, the start of the
 * message for errors, which are also marked ✗), the totals, and the failed spans' messages.
 *
 * @example
 * console.log(renderWaterfall(buildSpanTree(spans), { width: process.stdout.columns ?? 100 }));
 */
export function renderWaterfall(tree: SpanTree, options: WaterfallOptions): string {
  const labels = tree.ordered.map(labelOf);
  const details = tree.ordered.map(detailOf);
  const detailWidth = Math.min(maxDetailWidth, Math.floor(options.width * maxDetailShare), details.reduce((widest, text) => Math.max(widest, text.length), 0));
  // A line: label, " │", the bar's cells, "│ ", the duration, " " and the detail.
  const fixed = 4 + durationWidth + (detailWidth ? 1 + detailWidth : 0);
  const longestLabel = labels.reduce((longest, label) => Math.max(longest, label.length), 4);
  const labelWidth = Math.max(8, Math.min(longestLabel, Math.floor(options.width * maxLabelShare), options.width - fixed - minBarCells));
  const cells = Math.max(minBarCells, options.width - fixed - labelWidth);
  const rows = tree.ordered.map((node, index) => {
    const bar = barCells(node.span.startUs, node.span.endUs, tree, cells);
    const track = `${' '.repeat(bar.offset)}${'█'.repeat(bar.length)}`.padEnd(cells);
    const detail = detailWidth ? ` ${fit(details[index] ?? '', detailWidth)}` : '';
    return `${fit(labels[index] ?? '', labelWidth).padEnd(labelWidth)} │${track}│ ${formatDuration(node.span.endUs - node.span.startUs).padStart(durationWidth)}${detail}`.trimEnd();
  });
  const axisEnd = formatDuration(tree.endUs - tree.startUs);
  const axis = `${' '.repeat(labelWidth + 2)}0${axisEnd.padStart(cells - 1)}`;
  return [axis, ...rows, '', ...totalsLines(tree.totals, options.width), ...errorLines(tree)].join('\n');
}

/** The failed spans with their whole messages (a row has room for the start of one only). */
function errorLines(tree: SpanTree): string[] {
  const failed = tree.ordered.filter(isError);
  if (failed.length === 0) return [];
  return ['errors:', ...failed.map((node) => `  ✗ ${node.span.name} (span ${node.span.spanId}): ${oneLine(node.span.statusMessage) || 'no message'}`)];
}

/**
 * The totals: spans, duration, LLM calls, tokens and cost (each model call once), errors —
 * wrapped at `width` between its parts.
 *
 * @example
 * totalsLines(tree.totals, 100); // ['total: 19 spans in 4.00 s · 4 LLM calls · 5,512 in / 1,484 out tokens (6,996 total) · $0.0178']
 */
export function totalsLines(totals: TraceTotals, width: number): string[] {
  const plural = (count: number, word: string): string => `${count.toLocaleString('en-US')} ${word}${count === 1 ? '' : 's'}`;
  const parts = [
    `${plural(totals.spans, 'span')} in ${formatDuration(totals.durationUs)}`,
    plural(totals.llmCalls, 'LLM call'),
    `${formatCount(totals.promptTokens)} in / ${formatCount(totals.completionTokens)} out tokens (${formatCount(totals.totalTokens)} total)`,
    `${formatUsd(totals.costUsd)}${totals.llmCallsWithoutCost ? ` (${plural(totals.llmCallsWithoutCost, 'call')} without a cost)` : ''}`,
    ...(totals.errors ? [`✗ ${plural(totals.errors, 'error')}`] : []),
  ];
  const lines: string[] = [];
  let line = `total: ${parts[0] ?? ''}`;
  for (const part of parts.slice(1)) {
    if (line.length + 3 + part.length <= width) line += ` · ${part}`;
    else {
      lines.push(`${line} ·`);
      line = `       ${part}`;
    }
  }
  return [...lines, line];
}

function labelOf(node: SpanNode): string {
  return `${'  '.repeat(node.depth)}${isError(node) ? '✗ ' : ''}${node.span.name}`;
}

/** Tokens and cost of an LLM call; the status message of an error. */
function detailOf(node: SpanNode): string {
  const parts: string[] = [];
  if (node.llm) {
    const { promptTokens, completionTokens, costUsd } = node.llm;
    const known = promptTokens !== undefined || completionTokens !== undefined || costUsd !== undefined;
    if (known) parts.push(`${formatCount(promptTokens)} in/${formatCount(completionTokens)} out ${formatUsd(costUsd)}`);
    // A failed call often has no answer to count; its error says why.
    else if (!isError(node)) parts.push('no usage recorded');
  }
  if (isError(node)) parts.push(`error${node.span.statusMessage ? `: ${oneLine(node.span.statusMessage)}` : ''}`);
  return parts.join(' ');
}

function isError(node: SpanNode): boolean {
  return node.span.status.toUpperCase() === 'ERROR';
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Cuts text to `width` characters, marking the cut with …. */
function fit(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/**
 * A duration for people: 850 µs, 12.3 ms, 412 ms, 2.41 s, 3m 05s.
 *
 * @example
 * formatDuration(2_410_000); // '2.41 s'
 */
export function formatDuration(us: number): string {
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 100_000) return `${(us / 1000).toFixed(1)} ms`;
  if (us < 1_000_000) return `${Math.round(us / 1000)} ms`;
  if (us < 60_000_000) return `${(us / 1_000_000).toFixed(2)} s`;
  const seconds = Math.round(us / 1_000_000);
  return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
}

/**
 * US dollars: four decimals from a cent up; below a cent (most model calls) two significant
 * digits, so a call's cost stays short and readable; ? when unknown. --json keeps every digit.
 *
 * @example
 * formatUsd(0.0012345); // '$0.0012'
 */
export function formatUsd(usd: number | undefined): string {
  if (usd === undefined) return '$?';
  if (usd > 0 && usd < 0.000001) return '<$0.000001';
  return `$${usd >= 0.01 || usd === 0 ? usd.toFixed(4) : Number(usd.toPrecision(2)).toString()}`;
}

function formatCount(count: number | undefined): string {
  return count === undefined ? '?' : count.toLocaleString('en-US');
}
