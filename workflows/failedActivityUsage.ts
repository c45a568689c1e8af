import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import { agentUsageSchema, type AgentUsage } from '../src/contracts/researchUsage';

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
