import { z } from 'zod';
import { resultEnvelopeSchema } from './resultEnvelope';
import { researchUsageSchema } from './researchUsage';

/**
 * CloudEvents `type` of a finished research run, version 1.
 *
 * @example
 * if (headers.ce_type === researchCompletedType) handleCompleted(JSON.parse(value));
 */
export const researchCompletedType = 'research.completed.v1';

export const searchOutcomeSchema = z.object({
  query: z.string(),
  reason: z.string(),
  succeeded: z.boolean(),
  /** Why the search was dropped, after its retries (absent when it succeeded). */
  error: z.string().optional(),
  sources: z.array(z.object({ title: z.string(), url: z.string() })).default([]),
});

export const researchReportSchema = z.object({
  shortSummary: z.string(),
  markdownReport: z.string(),
  followUpQuestions: z.array(z.string()),
});

/**
 * `research.completed` (key = requestId). `eventId` is derived from the workflow id and run
 * id, so a publish retried by Temporal carries the same id: subscribers dedupe on it.
 *
 * @example
 * const event = researchCompletedSchema.parse(JSON.parse(message.value.toString()));
 * console.log(event.requestId, event.report.shortSummary, event.usage.total.estimatedCostUsd);
 */
export const researchCompletedSchema = resultEnvelopeSchema.extend({
  report: researchReportSchema,
  searches: z.array(searchOutcomeSchema),
  searchProvider: z.string(),
  usage: researchUsageSchema,
  timings: z.object({
    startedAt: z.iso.datetime(),
    completedAt: z.iso.datetime(),
    durationMs: z.number().min(0),
    stages: z.object({ planMs: z.number().min(0), searchMs: z.number().min(0), writeMs: z.number().min(0) }),
  }),
  models: z.object({ planner: z.string(), searcher: z.string(), writer: z.string() }),
});

export type SearchOutcome = z.infer<typeof searchOutcomeSchema>;
export type ResearchReport = z.infer<typeof researchReportSchema>;
export type ResearchCompleted = z.infer<typeof researchCompletedSchema>;
