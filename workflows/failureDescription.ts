import { ActivityFailure, ApplicationFailure, isCancellation } from '@temporalio/workflow';
import { capText, resultFieldLimits } from '../src/contracts/fieldLimits';

/** The innermost application failure's type and message (cut to its cap): what went wrong, not where. */
export function describeFailure(error: unknown): { type: string; message: string } {
  const { type, message } = innermostFailure(error);
  return { type, message: capText(message, resultFieldLimits.errorMessage) };
}

function innermostFailure(error: unknown): { type: string; message: string } {
  let current: unknown = error;
  while (current instanceof ActivityFailure && current.cause) current = current.cause;
  if (current instanceof ApplicationFailure) return { type: current.type ?? 'ApplicationFailure', message: current.message };
  if (isCancellation(error)) return { type: 'Cancelled', message: 'the run was cancelled' };
  if (current instanceof Error) return { type: current.name, message: current.message };
  return { type: 'Error', message: String(current) };
}
