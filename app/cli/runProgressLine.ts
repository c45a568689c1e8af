import type { ResearchProgressEvent } from '../../src/contracts/researchProgress';

const barWidth = 24;

/** What a line shows of a run: its step, its searches, what it spent and its budget. */
export type ProgressState = Pick<ResearchProgressEvent, 'step' | 'searches' | 'outcome' | 'usage' | 'budget'>;

/**
 * One run's progress as one line: a bar over its steps — the plan, each search, the write —
 * where the run is, and what it has spent (of its budget, when it has one).
 *
 * @example
 * runProgressLine(event); // "[##########--------------] 3/7 searched 2 of 5 · 3,120 tokens · $0.0041 of $0.05"
 */
export function runProgressLine(progress: ProgressState): string {
  const { searches } = progress;
  const steps = searches.planned + 2;
  const done = progress.step === 'published' ? steps : 1 + searches.done;
  const filled = Math.round((Math.min(done, steps) / steps) * barWidth);
  return `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${done}/${steps} ${stepText(progress)} · ${spentText(progress)}`;
}

/** Before the first progress event: the run has not reported yet. */
export const waitingLine = `[${'-'.repeat(barWidth)}] planning…`;

function stepText(progress: ProgressState): string {
  const { searches } = progress;
  const failed = searches.failed > 0 ? ` (${searches.failed} failed)` : '';
  switch (progress.step) {
    case 'planned':
      return `planned ${searches.planned} search${searches.planned === 1 ? '' : 'es'}`;
    case 'searched':
      return `searched ${searches.done} of ${searches.planned}${failed}`;
    case 'writing':
      return `writing the report${failed}`;
    case 'published':
      return progress.outcome === 'failed' ? 'failed' : 'done';
  }
}

function spentText(progress: ProgressState): string {
  const tokens = progress.usage.inputTokens + progress.usage.outputTokens;
  const { budget } = progress;
  const ofTokens = budget?.maxTokens !== undefined ? ` of ${budget.maxTokens.toLocaleString('en-US')}` : '';
  const ofCost = budget?.maxCostUsd !== undefined ? ` of $${budget.maxCostUsd}` : '';
  return `${tokens.toLocaleString('en-US')}${ofTokens} tokens · $${progress.usage.estimatedCostUsd.toFixed(4)}${ofCost}`;
}
