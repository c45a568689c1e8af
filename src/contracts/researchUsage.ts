import { z } from 'zod';

/** Tokens and estimated cost of one agent's calls (all of its attempts that returned). */
export const agentUsageSchema = z.object({
  model: z.string(),
  calls: z.number().int().min(0),
  inputTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  estimatedCostUsd: z.number().min(0),
});

export const researchUsageSchema = z.object({
  planner: agentUsageSchema.optional(),
  searcher: agentUsageSchema.optional(),
  writer: agentUsageSchema.optional(),
  total: z.object({
    inputTokens: z.number().int().min(0),
    outputTokens: z.number().int().min(0),
    estimatedCostUsd: z.number().min(0),
  }),
});

export type AgentUsage = z.infer<typeof agentUsageSchema>;
export type ResearchUsage = z.infer<typeof researchUsageSchema>;
