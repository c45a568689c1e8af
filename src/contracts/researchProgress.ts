import { z } from 'zod';
import { requestIdSchema } from './requestId';
import { runBudgetSchema } from './runBudget';

/**
 * CloudEvents `type` of a step of a research run, version 1.
 *
 * @example
 * if (headers.ce_type === researchProgressType) showProgress(JSON.parse(value));
 */
export const researchProgressType = 'research.progress.v1';

/**
 * The steps a run reports, in order: `planned` (the searches are known), one `searched` per
 * search (done or failed, in the order they finish), `writing` (the report is being written),
 * `published` (the result event — completed or failed — is out). A run that fails early skips
 * to `published`.
 */
export const progressStepSchema = z.enum(['planned', 'searched', 'writing', 'published']);
export type ProgressStep = z.infer<typeof progressStepSchema>;

/**
 * `research.progress` (key = requestId): where a run is, published as it goes. Best effort:
 * while Kafka is away progress events may be dropped (a result event never is), so they are
 * for people and dashboards, not for bookkeeping. Within a run `sequence` counts 1, 2, 3, …;
 * `eventId` derives from the run and the step, so a retried publish carries the same id.
 *
 * @example
 * const progress = researchProgressSchema.parse(JSON.parse(message.value.toString()));
 * console.log(progress.requestId, progress.step, `${progress.searches.done}/${progress.searches.planned}`);
 */
export const researchProgressSchema = z.object({
  eventId: z.string(),
  requestId: requestIdSchema,
  workflowId: z.string(),
  runId: z.string(),
  /** Set when the run is a deliberate rerun (`replay --mode rerun`). */
  epoch: z.number().int().min(1).optional(),
  traceId: z.string().regex(/^[0-9a-f]{32}$/),
  /** 1 for the run's first progress event, then one more for each. */
  sequence: z.number().int().min(1),
  step: progressStepSchema,
  /** The searches so far: planned (0 until `planned`), finished ("i of N"), and how they went. */
  searches: z.object({
    planned: z.number().int().min(0),
    done: z.number().int().min(0),
    succeeded: z.number().int().min(0),
    failed: z.number().int().min(0),
  }),
  /** `searched`: which search (1-based, in plan order) finished, and whether it succeeded. */
  search: z.object({ number: z.number().int().min(1), succeeded: z.boolean() }).optional(),
  /** `published`: which result event the run published. */
  outcome: z.enum(['completed', 'failed']).optional(),
  /** What the run has spent so far (as `usage.total` of the result events). */
  usage: z.object({
    inputTokens: z.number().int().min(0),
    outputTokens: z.number().int().min(0),
    estimatedCostUsd: z.number().min(0),
  }),
  /** The run's budget, when it has one. */
  budget: runBudgetSchema.optional(),
  at: z.iso.datetime(),
});

export type ResearchProgressEvent = z.infer<typeof researchProgressSchema>;
