import { z } from 'zod';
import { requestIdSchema } from './requestId';
import { researchUsageSchema } from './researchUsage';

/** CloudEvents `type` of a research run that ended without a report, version 1. */
export const researchFailedType = 'research.failed.v1';

export const researchStageSchema = z.enum(['plan', 'search', 'write', 'publish']);
export type ResearchStage = z.infer<typeof researchStageSchema>;

/** `research.failed` (key = requestId): the stage that failed and why, never a secret. */
export const researchFailedSchema = z.object({
  eventId: z.string(),
  requestId: requestIdSchema,
  workflowId: z.string(),
  runId: z.string(),
  epoch: z.number().int().min(1).optional(),
  traceId: z.string().regex(/^[0-9a-f]{32}$/),
  query: z.string(),
  stage: researchStageSchema,
  cancelled: z.boolean(),
  error: z.object({ type: z.string(), message: z.string() }),
  usage: researchUsageSchema,
  failedAt: z.iso.datetime(),
  metadata: z.record(z.string(), z.string()).optional(),
});

export type ResearchFailed = z.infer<typeof researchFailedSchema>;
