import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSpanTree } from '../../../operator/traces/spanTree';
import { barCells, formatDuration, formatUsd, renderWaterfall, totalsLines } from '../../../operator/traces/traceWaterfall';
import { llmUsage as llm, traceSpan as span } from '../../support/traceSpans';

/** Where the bar of a rendered row sits: its first and last █, counted from the bar column's first cell. */
function barOf(row: string): { first: number; last: number; cells: number } {
  const open = row.indexOf('│');
  const close = row.lastIndexOf('│');
  const track = row.slice(open + 1, close);
  return { first: track.indexOf('█'), last: track.lastIndexOf('█'), cells: track.length };
}

describe('the trace waterfall', () => {
  it('places each bar on the shared axis: start and end cells in proportion, at least one cell', () => {
    const axis = { startUs: 0, endUs: 1000 };
    assert.deepEqual(barCells(0, 1000, axis, 40), { offset: 0, length: 40 });
    assert.deepEqual(barCells(250, 500, axis, 40), { offset: 10, length: 10 });
    assert.deepEqual(barCells(500, 500, axis, 40), { offset: 20, length: 1 }, 'an instant still shows');
    assert.deepEqual(barCells(999, 1000, axis, 40), { offset: 39, length: 1 });
    assert.deepEqual(barCells(1000, 1000, axis, 40), { offset: 39, length: 1 }, 'a span at the very end stays on the axis');
    assert.deepEqual(barCells(10, 20, axis, 40), { offset: 0, length: 1 });
    assert.deepEqual(barCells(0, 0, { startUs: 0, endUs: 0 }, 40), { offset: 0, length: 1 }, 'a trace of no duration');
  });

  it('draws one line per span, indented by depth, with bars on one time axis, tokens and cost of LLM calls, errors marked, and the totals', () => {
    const tree = buildSpanTree([
      span('root', undefined, 'research.request', 0, 1000),
      span('plan', 'root', 'research.plan', 0, 500),
      span('chat', 'plan', 'chat gpt-4.1', 250, 500, { ...llm(1200, 300, 0.0123), attributes: { ...llm(1200, 300, 0.0123).attributes, 'gen_ai.agent.name': 'planner' } }),
      span('write', 'root', 'research.write', 500, 1000, { status: 'ERROR', statusMessage: 'the model\nanswered nonsense' }),
    ]);
    const width = 110;
    const lines = renderWaterfall(tree, { width }).split('\n');
    assert.ok(lines.every((line) => line.length <= width), `no line is wider than ${width}:\n${lines.join('\n')}`);
    const [axis, ...rest] = lines;
    const rows = rest.slice(0, 4);
    assert.deepEqual(rows.map((row) => /^( *)(\S.*?) +│/.exec(row)?.slice(1, 3)), [
      ['', 'research.request'],
      ['  ', 'research.plan'],
      ['    ', 'chat gpt-4.1'],
      ['  ', '✗ research.write'],
    ]);
    const bars = rows.map(barOf);
    const cells = bars[0]?.cells ?? 0;
    assert.ok(cells >= 40, `the bars get the room the other columns leave (${cells})`);
    // A bar runs from the cell its start falls in to the cell its end falls in.
    const expected = (from: number, to: number): number[] => [Math.floor(from * cells), Math.ceil(to * cells) - 1];
    assert.deepEqual(bars.map(({ first, last }) => [first, last]), [expected(0, 1), expected(0, 0.5), expected(0.25, 0.5), expected(0.5, 1)]);
    assert.match(axis ?? '', /^ +0 +1\.00 s$/);
    assert.equal(axis?.indexOf('0'), (rows[0]?.indexOf('│') ?? -2) + 1, 'the axis starts where the bars do');
    assert.match(rows[2] ?? '', /│ +250 ms 1,200 in\/300 out \$0\.0123$/);
    assert.match(rows[3] ?? '', /│ +500 ms error: the model answered n…$/, 'as much of the message as the column holds');
    assert.deepEqual(rest.slice(4), [
      '',
      'total: 4 spans in 1.00 s · 1 LLM call · 1,200 in / 300 out tokens (1,500 total) · $0.0123 · ✗ 1 error',
      'errors:',
      '  ✗ research.write (span write): the model answered nonsense',
    ]);
  });

  it('cuts long names to the label column and keeps every line within a narrow width', () => {
    const long = 'a span name far longer than any label column should ever be allowed to grow';
    const tree = buildSpanTree([span('a', undefined, long, 0, 10), span('b', 'a', 'chat gpt-4.1', 2, 8, llm(123_456, 7_890, 1.5))]);
    const lines = renderWaterfall(tree, { width: 60 }).split('\n');
    assert.ok(lines.every((line) => line.length <= 60), lines.join('\n'));
    assert.match(lines[1] ?? '', /^a span name.*… │/);
  });

  it('wraps the totals between their parts and formats durations and costs for people', () => {
    const totals = { spans: 1200, durationUs: 75_000_000, llmCalls: 2, promptTokens: 10, completionTokens: 5, totalTokens: 15, costUsd: 0.000042, llmCallsWithoutCost: 1, errors: 2, parentsMissing: 0 };
    const lines = totalsLines(totals, 60);
    assert.ok(lines.length > 1 && lines.every((line) => line.length <= 60), lines.join('\n'));
    assert.equal(lines.join(' ').replace(/ +/g, ' '), 'total: 1,200 spans in 1m 15s · 2 LLM calls · 10 in / 5 out tokens (15 total) · $0.000042 (1 call without a cost) · ✗ 2 errors');
    assert.deepEqual([850, 12_345, 412_000, 2_410_000].map(formatDuration), ['850 µs', '12.3 ms', '412 ms', '2.41 s']);
    assert.deepEqual([0, 0.0123, 1.5, 0.0012345, 0.000649, 4.2e-7, undefined].map(formatUsd), ['$0.0000', '$0.0123', '$1.5000', '$0.0012', '$0.00065', '<$0.000001', '$?']);
  });
});
