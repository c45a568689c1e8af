import { z } from 'zod';
import { requestIdSchema } from './requestId';

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
});
