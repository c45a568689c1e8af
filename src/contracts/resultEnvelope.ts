import { z } from 'zod';
import { requestIdSchema } from './requestId';
import { runBudgetSchema } from './runBudget';

/**
 * The fields every result event shares, completed or failed: which request, which run, which
 * trace, and the dedupe key `eventId`.
 */
export const resultEnvelopeSchema = z.object({
  eventId: z.string(),
  requestId: requestIdSchema,
  workflowId: z.string(),
  runId: z.string(),
  /** Set when the run was a deliberate rerun (`replay --mode rerun`). */
  epoch: z.number().int().min(1).optional(),
  traceId: z.string().regex(/^[0-9a-f]{32}$/),
  query: z.string(),
  metadata: z.record(z.string(), z.string()).optional(),
  /** The run's budget — the request's, fields it left out from the service's default; absent when the run had none (added in 0.4.0). */
  budget: runBudgetSchema.optional(),
});
