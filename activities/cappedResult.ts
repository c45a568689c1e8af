import { capText, resultFieldLimits as limits } from '../src/contracts/fieldLimits';
import type { SearchOutcome } from '../src/contracts/researchCompleted';
import type { CompletedDraft, FailedDraft } from './completionPublisher';
import { cappedSources } from './searcherAgent';
import { cappedReport } from './writerAgent';

/**
 * A completed draft within the contract's caps. The agents already cut what they return; this
 * covers drafts recorded before the caps existed (a run in flight across an upgrade), which
 * must still publish research.completed rather than fail its schema.
 */
export function cappedCompletedDraft(draft: CompletedDraft): CompletedDraft {
  return { ...draft, report: cappedReport(draft.report), searches: draft.searches.slice(0, 20).map(cappedOutcome) };
}

/** A failed draft whose error message is within its cap. */
export function cappedFailedDraft(draft: FailedDraft): FailedDraft {
  return { ...draft, error: { ...draft.error, message: capText(draft.error.message, limits.errorMessage) } };
}

function cappedOutcome(outcome: SearchOutcome): SearchOutcome {
  return {
    ...outcome,
    query: capText(outcome.query, limits.searchQuery),
    reason: capText(outcome.reason, limits.searchReason),
    ...(outcome.error !== undefined ? { error: capText(outcome.error, limits.errorMessage) } : {}),
    sources: cappedSources(outcome.sources),
  };
}
