import { z } from 'zod';
import { resultFieldLimits as limits } from './fieldLimits';
import { resultEnvelopeSchema } from './resultEnvelope';
import { researchUsageSchema } from './researchUsage';

/**
 * CloudEvents `type` of a finished research run, version 1.
 *
 * @example
 * if (headers.ce_type === researchCompletedType) handleCompleted(JSON.parse(value));
 */
export const researchCompletedType = 'research.completed.v1';

/*
 * Model-written fields have length caps (fieldLimits.ts): longer text is cut, ending in
 * "… [truncated by research-relay: first K of N characters]".
 */
export const searchOutcomeSchema = z.object({
  query: z.string().max(limits.searchQuery),
  reason: z.string().max(limits.searchReason),
  succeeded: z.boolean(),
  /** Why the search was dropped, after its retries (absent when it succeeded). */
  error: z.string().max(limits.errorMessage).optional(),
  sources: z.array(z.object({ title: z.string().max(limits.sourceTitle), url: z.string().max(limits.sourceUrl) })).max(limits.sourcesPerSearch).default([]),
  /** True when the search succeeded but its answer named no source, so its summary rests on the model alone (absent otherwise). */
  unsourced: z.literal(true).optional(),
});

export const researchReportSchema = z.object({
  shortSummary: z.string().max(limits.shortSummary),
  markdownReport: z.string().max(limits.markdownReport),
  followUpQuestions: z.array(z.string().max(limits.followUpQuestion)).max(10),
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
  searches: z.array(searchOutcomeSchema).max(20),
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
