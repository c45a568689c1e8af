import { defineSignal } from '@temporalio/workflow';
import { z } from 'zod';
import { cancelReasonMaxLength } from './researchCancel';

/**
 * What a cancel tells the run before Temporal cancels it: Temporal's own cancel request carries
 * no reason the workflow can read, so the intake signals it first, and the run's research.failed
 * says why it was cancelled.
 */
export const runCancelNoteSchema = z.object({
  reason: z.string().max(cancelReasonMaxLength).optional(),
});

export type RunCancelNote = z.infer<typeof runCancelNoteSchema>;

/** The signal that carries a cancel's note to the run (sent just before its cancel request). */
export const runCancelNoteSignal = defineSignal<[RunCancelNote]>('runCancelNote');
