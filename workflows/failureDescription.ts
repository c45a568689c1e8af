import { ActivityFailure, ApplicationFailure, isCancellation } from '@temporalio/workflow';
import { capText, resultFieldLimits } from '../src/contracts/fieldLimits';

/**
 * The innermost application failure's type and message (cut to its cap): what went wrong, not
 * where. A cancelled run's message gives the cancel's reason when it had one.
 */
export function describeFailure(error: unknown, cancelReason?: string): { type: string; message: string } {
  const { type, message } = innermostFailure(error, cancelReason);
  return { type, message: capText(message, resultFieldLimits.errorMessage) };
}

function innermostFailure(error: unknown, cancelReason?: string): { type: string; message: string } {
  let current: unknown = error;
  while (current instanceof ActivityFailure && current.cause) current = current.cause;
  if (current instanceof ApplicationFailure) return { type: current.type ?? 'ApplicationFailure', message: current.message };
  if (isCancellation(error)) return { type: 'Cancelled', message: cancelReason === undefined ? 'the run was cancelled' : `the run was cancelled: ${cancelReason}` };
  if (current instanceof Error) return { type: current.name, message: current.message };
  return { type: 'Error', message: String(current) };
}
