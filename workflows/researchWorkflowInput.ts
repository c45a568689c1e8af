import { z } from 'zod';
import { researchRequestedSchema } from '../src/contracts/researchRequested';
import { traceContextSchema } from '../src/telemetry/traceContext';

/**
 * The workflow's single input, validated once when the run begins: the request, its trace
 * and where it was read. How the run is carried out (timeouts, attempts, concurrency) is the
 * worker's to decide, not the starter's: see RunSettings.
 */
export const researchWorkflowInputSchema = z.object({
  request: researchRequestedSchema,
  /** Set for deliberate reruns (`replay --mode rerun`); the result events carry it. */
  epoch: z.number().int().min(1).optional(),
  /** The request's trace (W3C), so the result event continues it. */
  trace: traceContextSchema,
  /** Where the request was read, for the record. */
  source: z.object({ topic: z.string(), partition: z.number().int(), offset: z.string() }).optional(),
  /**
   * Only in runs started by 0.1.0, whose starter chose the run settings; read by those runs
   * alone, so they replay as they ran. New runs take their settings from the worker.
   */
  tuning: z
    .object({ searchConcurrency: z.number().int(), llmAttempts: z.number().int(), llmInitialRetryMs: z.number().int(), llmActivityTimeoutMs: z.number().int() })
    .partial()
    .optional(),
});

export type ResearchWorkflowInput = z.input<typeof researchWorkflowInputSchema>;
export type ParsedResearchWorkflowInput = z.infer<typeof researchWorkflowInputSchema>;
