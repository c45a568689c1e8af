import { z } from 'zod';
import { requestIdSchema } from './requestId';
import { runBudgetSchema } from './runBudget';

/**
 * CloudEvents `type` of a research request, version 1.
 *
 * @example
 * headers: { ce_type: researchRequestedType } // 'research.requested.v1'
 */
export const researchRequestedType = 'research.requested.v1';

const metadataSchema = z
  .record(z.string().min(1).max(64), z.string().max(1024))
  .refine((map) => Object.keys(map).length <= 32, 'metadata holds at most 32 entries');

/**
 * `research.requested` (key = requestId): one research question. Unknown fields are
 * ignored so that newer producers do not break older consumers.
 *
 * @example
 * researchRequestedSchema.parse({ requestId: 'r-1', query: 'How do Kafka consumer groups rebalance?' });
 */
export const researchRequestedSchema = z.object({
  requestId: requestIdSchema,
  query: z.string().trim().min(1).max(4000),
  requestedBy: z.string().min(1).max(200).optional(),
  maxSearches: z.number().int().min(1).max(20).optional(),
  metadata: metadataSchema.optional(),
  submittedAt: z.iso.datetime({ offset: true }).optional(),
  /** Spending limits of the run (added in 0.4.0); a field left out takes the service's default. */
  budget: runBudgetSchema.optional(),
});

export type ResearchRequested = z.infer<typeof researchRequestedSchema>;
