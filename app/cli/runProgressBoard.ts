import type { ResultEvent } from '../../src/client/resultEvent';
import type { ResearchProgressEvent } from '../../src/contracts/researchProgress';
import { runProgressLine, waitingLine, type ProgressState } from './runProgressLine';

/** Where the board writes: a stream, and whether it is a terminal (redrawn in place) or not (a line per step). */
export interface BoardOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  /** A terminal's width: a bar is cut to it, so that redrawing moves up exactly one row per bar. */
  readonly columns?: number;
}

/**
 * A live progress bar per run. On a terminal the bars sit below everything else and are
 * redrawn in place as steps arrive, and a text printed meanwhile (a result) goes above them;
 * elsewhere (a pipe, a file, a CI log) every step is one line. A run's steps may arrive late or
 * twice (another topic, best effort): the board keeps each run's highest `sequence`, and a run
 * whose result has been shown gets no bar again.
 */
export class RunProgressBoard {
  private readonly bars = new Map<string, { sequence: number; line: string; state?: ProgressState }>();
  private readonly finished = new Set<string>();
  private drawn = 0;
  private readonly interactive: boolean;

  constructor(
    private readonly output: BoardOutput,
    private readonly label: (requestId: string) => string = (requestId) => requestId,
  ) {
    this.interactive = output.isTTY === true;
  }

  /** A run whose first step has not arrived yet (request --wait, as soon as its run is known). */
  waiting(run: { requestId: string; workflowId: string; runId: string }): void {
    this.show(runKey(run), 0, `${this.label(run.requestId)} ${waitingLine}`);
  }

  progress(event: ResearchProgressEvent): void {
    const key = runKey(event);
    if (this.finished.has(key) || event.sequence <= (this.bars.get(key)?.sequence ?? 0)) return;
    this.show(key, event.sequence, `${this.label(event.requestId)} ${runProgressLine(event)}`, event);
  }

  /**
   * Ends a run's bar from its result (request --wait): done or failed, with what the run spent
   * in all — the run's last progress step follows its result on another topic, so the bar does
   * not wait for it — and stops redrawing.
   */
  settle(result: ResultEvent): void {
    const key = runKey(result.event);
    const last = this.bars.get(key)?.state;
    const searched = result.kind === 'completed' ? result.event.searches : undefined;
    const searches = searched
      ? { planned: searched.length, done: searched.length, succeeded: searched.filter((search) => search.succeeded).length, failed: searched.filter((search) => !search.succeeded).length }
      : (last?.searches ?? { planned: 0, done: 0, succeeded: 0, failed: 0 });
    const { inputTokens, outputTokens, estimatedCostUsd } = result.event.usage.total;
    const state: ProgressState = { step: 'published', outcome: result.kind, searches, usage: { inputTokens, outputTokens, estimatedCostUsd }, ...(result.event.budget ? { budget: result.event.budget } : {}) };
    this.show(key, Number.MAX_SAFE_INTEGER, `${this.label(result.event.requestId)} ${runProgressLine(state)}`, state);
    this.finished.add(key);
    this.close();
  }

  /** Prints `text` (a run's result) above the bars; that run's bar goes away. */
  finish(run: { workflowId: string; runId: string }, text: string): void {
    const key = runKey(run);
    this.finished.add(key);
    this.bars.delete(key);
    if (!this.interactive) {
      this.output.write(`${text}\n`);
      return;
    }
    this.erase();
    this.output.write(`${text}\n`);
    this.draw();
  }

  /** Leaves the bars where they are (their last state) and stops redrawing them. */
  close(): void {
    this.drawn = 0;
    this.bars.clear();
  }

  private show(key: string, sequence: number, line: string, state?: ProgressState): void {
    this.bars.set(key, { sequence, line, ...(state ? { state } : {}) });
    if (!this.interactive) {
      this.output.write(`${line}\n`);
      return;
    }
    this.erase();
    this.draw();
  }

  private erase(): void {
    if (this.drawn > 0) this.output.write(`\x1b[${this.drawn}A\r\x1b[J`);
    this.drawn = 0;
  }

  private draw(): void {
    const width = Math.max(20, (this.output.columns ?? 200) - 1);
    for (const { line } of this.bars.values()) this.output.write(`${line.length > width ? `${line.slice(0, width - 1)}…` : line}\n`);
    this.drawn = this.bars.size;
  }
}

function runKey(run: { workflowId: string; runId: string }): string {
  return `${run.workflowId}/${run.runId}`;
}
