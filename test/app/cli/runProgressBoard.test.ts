import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RunProgressBoard } from '../../../app/cli/runProgressBoard';
import { runProgressLine } from '../../../app/cli/runProgressLine';
import type { ResultEvent } from '../../../src/client/resultEvent';
import type { ResearchProgressEvent } from '../../../src/contracts/researchProgress';

function step(requestId: string, sequence: number, stepName: ResearchProgressEvent['step'], done: number, extra: Partial<ResearchProgressEvent> = {}): ResearchProgressEvent {
  return {
    eventId: `${requestId}-${sequence}`, requestId, workflowId: `research-${requestId}`, runId: 'run-1', traceId: '0af7651916cd43dd8448eb211c80319c', sequence, step: stepName,
    searches: { planned: 5, done, succeeded: done, failed: 0 }, usage: { inputTokens: 1000 * sequence, outputTokens: 234, estimatedCostUsd: 0.00412 }, at: '2026-11-26T10:00:00.000Z', ...extra,
  };
}

/** A terminal or a pipe that keeps what was written. */
function output(isTTY: boolean, columns = 120) {
  const chunks: string[] = [];
  return { isTTY, columns, chunks, write: (text: string) => chunks.push(text), text: () => chunks.join('') };
}

describe('the CLI’s run progress display', () => {
  it('draws a bar over plan, searches and write, the step, and what was spent of the budget', () => {
    assert.equal(runProgressLine(step('a', 1, 'planned', 0)), '[###---------------------] 1/7 planned 5 searches · 1,234 tokens · $0.0041');
    assert.equal(runProgressLine(step('a', 3, 'searched', 2, { budget: { maxCostUsd: 0.05, maxTokens: 20_000 } })), '[##########--------------] 3/7 searched 2 of 5 · 3,234 of 20,000 tokens · $0.0041 of $0.05');
    assert.equal(runProgressLine(step('a', 7, 'writing', 5, { searches: { planned: 5, done: 5, succeeded: 4, failed: 1 } })), '[#####################---] 6/7 writing the report (1 failed) · 7,234 tokens · $0.0041');
    assert.equal(runProgressLine(step('a', 8, 'published', 5, { outcome: 'completed' })), '[########################] 7/7 done · 8,234 tokens · $0.0041');
    assert.match(runProgressLine(step('a', 2, 'published', 0, { outcome: 'failed' })), /\] 7\/7 failed ·/);
  });

  it('on a pipe, prints one line per step, keeps each run’s newest step only, and prints results as they come', () => {
    const out = output(false);
    const board = new RunProgressBoard(out);
    board.progress(step('a', 1, 'planned', 0));
    board.progress(step('a', 2, 'searched', 1));
    board.progress(step('a', 1, 'planned', 0)); // late duplicate
    board.finish({ workflowId: 'research-a', runId: 'run-1' }, 'research.completed  a');
    board.progress(step('a', 9, 'published', 5, { outcome: 'completed' })); // after the result: no bar again
    assert.equal(out.text(), ['a [###---------------------] 1/7 planned 5 searches · 1,234 tokens · $0.0041', 'a [#######-----------------] 2/7 searched 1 of 5 · 2,234 tokens · $0.0041', 'research.completed  a', ''].join('\n'));
    assert.doesNotMatch(out.text(), /\x1b\[/, 'no terminal control codes in a pipe');
  });

  it('on a terminal, redraws one bar per running request in place, and prints a result above the bars', () => {
    const out = output(true);
    const board = new RunProgressBoard(out);
    board.progress(step('a', 1, 'planned', 0));
    board.progress(step('b', 1, 'planned', 0));
    out.chunks.length = 0;
    board.progress(step('a', 2, 'searched', 1));
    assert.equal(out.chunks[0], '\x1b[2A\r\x1b[J', 'up over both bars, clear to the end of the screen');
    assert.deepEqual(out.chunks.slice(1).map((chunk) => chunk.split(' ')[0]), ['a', 'b'], 'both bars drawn again, in order');
    assert.match(out.chunks[1] ?? '', /searched 1 of 5/);
    out.chunks.length = 0;
    board.finish({ workflowId: 'research-a', runId: 'run-1' }, 'research.completed  a');
    assert.deepEqual(out.chunks, ['\x1b[2A\r\x1b[J', 'research.completed  a\n', `b ${runProgressLine(step('b', 1, 'planned', 0))}\n`], 'the result above, the remaining bar below it');
  });

  it('ends a run’s bar from its result — done or failed, with what the run spent in all — without waiting for its last step', () => {
    const out = output(false);
    const board = new RunProgressBoard(out, () => 'progress');
    board.progress(step('a', 3, 'searched', 2));
    const usage = { total: { inputTokens: 5000, outputTokens: 4000, estimatedCostUsd: 0.0305 } };
    const completed = { kind: 'completed', event: { requestId: 'a', workflowId: 'research-a', runId: 'run-1', usage, budget: { maxCostUsd: 0.25 }, searches: [{ succeeded: true }, { succeeded: false }, { succeeded: true }] } } as unknown as ResultEvent;
    board.settle(completed);
    board.progress(step('a', 9, 'published', 3, { outcome: 'completed' }));
    assert.deepEqual(out.text().trim().split('\n').slice(1), ['progress [########################] 5/5 done · 9,000 tokens · $0.0305 of $0.25'], 'searches from the result; the late step changes nothing');
    const failing = output(false);
    const other = new RunProgressBoard(failing, () => 'progress');
    other.progress(step('b', 1, 'planned', 0));
    other.settle({ kind: 'failed', event: { requestId: 'b', workflowId: 'research-b', runId: 'run-1', usage, budget: { maxTokens: 9000 } } } as unknown as ResultEvent);
    assert.match(failing.text(), /^progress \[#{24}\] 7\/7 failed · 9,000 of 9,000 tokens · \$0\.0305$/m, 'the searches as the last step knew them');
  });

  it('cuts a bar to the terminal’s width, so a redraw moves up exactly one row per bar', () => {
    const out = output(true, 40);
    new RunProgressBoard(out).progress(step('a-request-id-that-is-rather-long', 1, 'planned', 0));
    assert.equal(out.text().length, 40, '39 characters and the newline');
    assert.ok(out.text().endsWith('…\n'));
  });
});
