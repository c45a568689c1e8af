import type { AgentUsage } from '../src/contracts/researchUsage';
import type { BudgetStop } from '../src/contracts/runBudget';
import { noSpentUsage, spentUsageFrom, UsageMeter, type SpentUsage } from '../src/llm/usageMeter';

/**
 * What an agent activity attempt reports about its spending, in its heartbeat details and in the
 * details of the failure it ends with: the usage of its calls whose answers were not used,
 * including earlier attempts'. Heartbeat details survive the attempt — the next attempt reads
 * them (`info.heartbeatDetails`), a timed-out last attempt hands them to the workflow
 * (`TimeoutFailure.lastHeartbeatDetails`) — and the SDK flushes the last beat before it reports
 * a failure, so no billed token is lost between attempts.
 */
export interface SpentUsageDetails {
  readonly spentUsage: AgentUsage;
  /** Set when the budget refused the next call: that call's estimate (see BudgetExceededError). */
  readonly budgetStop?: BudgetStop;
}

/** The usage earlier attempts of this activity spent, from the heartbeat details they left. */
export function carriedSpentUsage(heartbeatDetails: unknown): SpentUsage {
  const details = heartbeatDetails as Partial<SpentUsageDetails> | undefined;
  return spentUsageFrom(details?.spentUsage?.failedAttempts) ?? noSpentUsage;
}

/** A meter for this attempt: seeded with what earlier attempts spent; `onChange` heart-beats the figures. */
export function attemptMeter(heartbeatDetails: unknown, onChange: () => void): UsageMeter {
  return new UsageMeter(carriedSpentUsage(heartbeatDetails), onChange);
}
