import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import { agentUsageSchema, type AgentUsage } from '../src/contracts/researchUsage';
import { budgetExceededType, budgetStopSchema, type BudgetStop } from '../src/contracts/runBudget';

/**
 * The usage an agent activity that failed for good had spent, from its failure: an
 * ApplicationFailure carries it in its details, a timeout in the last heartbeat details (the
 * activity's `{ spentUsage }`, see activities/attemptUsage.ts). Undefined for anything else —
 * failures recorded before 0.3.0 included — so old histories replay with the usage they had.
 */
export function failedActivityUsage(error: unknown): AgentUsage | undefined {
  if (!(error instanceof ActivityFailure)) return undefined;
  const cause = error.cause;
  const details: unknown = cause instanceof ApplicationFailure ? cause.details?.[0] : cause instanceof TimeoutFailure ? cause.lastHeartbeatDetails : undefined;
  const parsed = agentUsageSchema.safeParse((details as { spentUsage?: unknown } | undefined)?.spentUsage);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The call an agent activity did not make because its run's budget would have been exceeded
 * (a BudgetExceededError in its failure, with the call's estimate); undefined for any other failure.
 */
export function activityBudgetStop(error: unknown): BudgetStop | undefined {
  if (!(error instanceof ActivityFailure) || !(error.cause instanceof ApplicationFailure) || error.cause.type !== budgetExceededType) return undefined;
  const parsed = budgetStopSchema.safeParse((error.cause.details?.[0] as { budgetStop?: unknown } | undefined)?.budgetStop);
  return parsed.success ? parsed.data : undefined;
}
