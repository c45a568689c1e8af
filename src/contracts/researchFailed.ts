import { z } from 'zod';
import { resultFieldLimits } from './fieldLimits';
import { cancelReasonMaxLength } from './researchCancel';
import { resultEnvelopeSchema } from './resultEnvelope';
import { researchUsageSchema } from './researchUsage';
import { budgetStopSchema } from './runBudget';

/**
 * CloudEvents `type` of a research run that ended without a report, version 1.
 *
 * @example
 * if (headers.ce_type === researchFailedType) handleFailed(JSON.parse(value));
 */
export const researchFailedType = 'research.failed.v1';

export const researchStageSchema = z.enum(['plan', 'search', 'write', 'publish']);
export type ResearchStage = z.infer<typeof researchStageSchema>;

/**
 * `research.failed` (key = requestId): the stage that failed and why, never a secret. A
 * cancelled run says `cancelled: true`, the stage it was in, and the cancel's reason if any.
 *
 * @example
 * const failed = researchFailedSchema.parse(JSON.parse(message.value.toString()));
 * console.log(failed.requestId, 'failed at', failed.stage, failed.error.type, failed.cancelled);
 */
export const researchFailedSchema = resultEnvelopeSchema.extend({
  stage: researchStageSchema,
  cancelled: z.boolean(),
  /** The reason a `research.cancel` event gave, when it gave one (absent when it gave none, or the run was cancelled in Temporal directly). */
  cancelReason: z.string().max(cancelReasonMaxLength).optional(),
  error: z.object({ type: z.string(), message: z.string().max(resultFieldLimits.errorMessage) }),
  usage: researchUsageSchema,
  failedAt: z.iso.datetime(),
  /** Set when the budget stopped the run (`error.type` BudgetExceededError): the estimate of the stage it did not start. */
  budgetStop: budgetStopSchema.optional(),
});

export type ResearchFailed = z.infer<typeof researchFailedSchema>;
