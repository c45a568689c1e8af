import { z } from 'zod';
import { researchRequestedSchema } from '../src/contracts/researchRequested';

/**
 * Knobs of one run, set by whoever starts it (the consumer, from its configuration).
 * Defaults suit OpenAI; tests shorten the retries.
 */
export const researchTuningSchema = z.object({
  searchConcurrency: z.number().int().min(1).max(20).default(5),
  llmAttempts: z.number().int().min(1).max(20).default(4),
  llmInitialRetryMs: z.number().int().min(10).max(600_000).default(2000),
  llmActivityTimeoutMs: z.number().int().min(1000).max(3_600_000).default(600_000),
});

/** The workflow's single input; validated once when the run begins. */
export const researchWorkflowInputSchema = z.object({
  request: researchRequestedSchema,
  /** Set for deliberate reruns (`replay --mode rerun`); the result events carry it. */
  epoch: z.number().int().min(1).optional(),
  /** The request's trace (W3C), so the result event continues it. */
  trace: z.object({
    traceparent: z.string().regex(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/),
    tracestate: z.string().optional(),
  }),
  /** Where the request was read, for the record. */
  source: z.object({ topic: z.string(), partition: z.number().int(), offset: z.string() }).optional(),
  tuning: researchTuningSchema.default(researchTuningSchema.parse({})),
});

export type ResearchWorkflowInput = z.input<typeof researchWorkflowInputSchema>;
export type ResearchTuning = z.infer<typeof researchTuningSchema>;
