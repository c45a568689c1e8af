import { z } from 'zod';
import { requestIdSchema } from './requestId';

/**
 * CloudEvents `type` of a request to cancel a research run, version 1. It travels on the
 * requests topic, keyed by the request id, so it is ordered after its request.
 *
 * @example
 * headers: { ce_type: researchCancelType } // 'research.cancel.v1'
 */
export const researchCancelType = 'research.cancel.v1';

/** Longest cancel reason, in characters; research.failed carries it as `cancelReason`. */
export const cancelReasonMaxLength = 1000;

/**
 * `research.cancel` (on the requests topic, key = requestId, `ce_type` research.cancel.v1):
 * cancel the request's live run (`research-<requestId>`). A cancel never starts a run: one for
 * a run that has finished, or for a request id without a run, changes nothing. Unknown fields
 * are ignored.
 *
 * @example
 * researchCancelSchema.parse({ requestId: 'r-1', reason: 'asked twice by mistake' });
 */
export const researchCancelSchema = z.object({
  requestId: requestIdSchema,
  reason: z.string().trim().min(1).max(cancelReasonMaxLength).optional(),
  requestedBy: z.string().min(1).max(200).optional(),
  submittedAt: z.iso.datetime({ offset: true }).optional(),
});

export type ResearchCancel = z.infer<typeof researchCancelSchema>;
