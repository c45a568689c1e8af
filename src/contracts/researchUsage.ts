import { z } from 'zod';

/**
 * The model calls whose answers a run could not use: answers that failed their schema, calls
 * abandoned by their client (a timeout, a cancellation) and the calls of activity attempts that
 * failed. Providers bill them, so they are part of the usage figures beside them, not extra.
 * A call abandoned before its answer reports no usage: its prompt is estimated (four characters a
 * token) and that part is `estimatedInputTokens`. Calls refused with an HTTP error (429, 5xx, …)
 * return no usage and are not counted: the provider bills nothing for them.
 */
export const failedAttemptsUsageSchema = z.object({
  calls: z.number().int().min(0),
  /** Included in the enclosing `inputTokens`; `estimatedInputTokens` of them are an estimate. */
  inputTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  estimatedInputTokens: z.number().int().min(0),
});

/**
 * Tokens and estimated cost of one agent's calls — every call that may have been billed, the
 * accepted answers and those in `failedAttempts` (absent when there were none; added in 0.3.0).
 */
export const agentUsageSchema = z.object({
  model: z.string(),
  calls: z.number().int().min(0),
  inputTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  estimatedCostUsd: z.number().min(0),
  failedAttempts: failedAttemptsUsageSchema.optional(),
});

export const researchUsageSchema = z.object({
  planner: agentUsageSchema.optional(),
  searcher: agentUsageSchema.optional(),
  writer: agentUsageSchema.optional(),
  total: z.object({
    inputTokens: z.number().int().min(0),
    outputTokens: z.number().int().min(0),
    estimatedCostUsd: z.number().min(0),
    /** The part of the totals spent on answers the run could not use (absent when none). */
    failedAttempts: failedAttemptsUsageSchema.optional(),
  }),
});

export type FailedAttemptsUsage = z.infer<typeof failedAttemptsUsageSchema>;
export type AgentUsage = z.infer<typeof agentUsageSchema>;
export type ResearchUsage = z.infer<typeof researchUsageSchema>;
