import { ApplicationFailure, condition, isCancellation } from '@temporalio/workflow';
import type { ResearchActivities, SearchResult } from '../activities/createActivities';
import type { SearchItem } from '../activities/plannerAgent';
import type { AgentUsage } from '../src/contracts/researchUsage';
import { boundedParallel } from './boundedParallel';
import type { CallBudget } from '../src/llm/callBudget';
import { activityBudgetStop, failedActivityUsage } from './failedActivityUsage';
import { describeFailure } from './failureDescription';
import type { ProgressReporter } from './progressReporter';
import type { ResearchRunState } from './researchRunState';
import { addSpend, type RunBudgetGuard, type Spend } from './runBudget';

/** The error type of a run whose every search failed (there is nothing to write from). */
export const allSearchesFailedType = 'AllSearchesFailedError';

export interface SearchedItem {
  readonly item: SearchItem;
  readonly result?: SearchResult;
  readonly error?: string;
  /** The budget refused a further call of this search (a retry): that call's estimate. */
  readonly refused?: Spend;
}

export interface SearchStage {
  readonly agents: Pick<ResearchActivities, 'runSearch'>;
  readonly concurrency: number;
  readonly state: ResearchRunState;
  readonly budget: RunBudgetGuard | undefined;
  readonly progress: ProgressReporter;
}

/** A search the budget did not admit: the stage starts no other and ends once those running have. */
interface Refusal {
  readonly number: number;
  readonly estimate: Spend;
}

/**
 * Runs the planned searches, at most `concurrency` at once, each reported as it ends. A search
 * that fails for good is recorded and skipped; the run fails only if all fail.
 *
 * With a budget, the stage starts only if its estimate fits, and each search only if it fits
 * beside the searches still running (their estimates reserved). The first search runs alone:
 * no search is estimated below the most expensive one seen, so it sets the measure for the
 * others before several can overrun a wrong estimate at once. A search the budget refuses
 * stops the stage: no other starts, those running end, and the run fails (BudgetExceededError).
 */
export async function runSearchStage(stage: SearchStage, searches: SearchItem[]): Promise<SearchedItem[]> {
  const { state, budget } = stage;
  state.enter('search');
  budget?.checkStage('search', state.usage(), searches.map((search) => budget.searchEstimate(search)).reduce(addSpend, { tokens: 0, costUsd: 0 }));
  let refusal: Refusal | undefined;
  const admitted = async (item: SearchItem, index: number): Promise<SearchedItem | undefined> => {
    if (!budget) return runOneSearch(stage, item, index, undefined);
    for (;;) {
      if (refusal) return undefined;
      const estimate = budget.searchEstimate(item);
      const admission = budget.admitSearch(index, state.usage(), estimate);
      if (admission === 'refuse') {
        refusal = { number: index + 1, estimate };
        return undefined;
      }
      if (admission !== 'wait') {
        const searched = await runOneSearch(stage, item, index, budget.limitsCalls ? admission : undefined);
        if (searched.refused) refusal ??= { number: index + 1, estimate: searched.refused };
        return searched;
      }
      await condition(() => budget.idle || refusal !== undefined);
    }
  };
  const alone = budget ? searches.slice(0, 1) : [];
  const searched = [
    ...(await boundedParallel(alone, 1, admitted)),
    ...(await boundedParallel(searches.slice(alone.length), stage.concurrency, (item, index) => admitted(item, index + alone.length))),
  ];
  if (budget && refusal) throw budget.searchRefused(refusal.number, searches.length, state.usage(), refusal.estimate);
  const done = searched.filter((entry): entry is SearchedItem => entry !== undefined);
  if (!done.some((entry) => entry.result)) {
    const firstError = done[0]?.error ?? 'none planned';
    throw ApplicationFailure.create({ type: allSearchesFailedType, message: `all ${searches.length} searches failed; first error: ${firstError}`, nonRetryable: true });
  }
  return done;
}

async function runOneSearch({ agents, state, budget, progress }: SearchStage, item: SearchItem, index: number, callBudget: CallBudget | undefined): Promise<SearchedItem> {
  const ended = (succeeded: boolean, usage: AgentUsage | undefined): void => {
    budget?.searchEnded(index, usage);
    progress.report('searched', { search: { number: index + 1, succeeded } });
  };
  try {
    const result = await agents.runSearch({ query: item.query, reason: item.reason, index, ...(callBudget ? { budget: callBudget } : {}) });
    state.recordSearch(result.usage);
    ended(true, result.usage);
    return { item, result };
  } catch (error) {
    if (isCancellation(error)) throw error;
    const spent = failedActivityUsage(error);
    state.recordSearch(undefined, spent);
    ended(false, spent);
    const stop = activityBudgetStop(error);
    return { item, error: describeFailure(error).message, ...(stop ? { refused: { tokens: stop.estimatedTokens, costUsd: stop.estimatedCostUsd } } : {}) };
  }
}
