import { z } from 'zod';

/*
 * Schemas shaped like the relay's agents' outputs (planner, search, writer) plus one that uses
 * every JSON Schema feature the stand-in claims to honour. Tests validate stand-in answers with
 * these, through the SDK's own zod helpers, exactly as the agents will.
 */

export const SearchPlan = z.object({
  searches: z
    .array(
      z.object({
        reason: z.string().describe('Why this search matters for the question.'),
        query: z.string().describe('The search term to use.'),
      }),
    )
    .min(5)
    .max(20),
});

export const ReportData = z.object({
  shortSummary: z.string(),
  markdownReport: z.string(),
  followUpQuestions: z.array(z.string()),
});

export const SearchSummary = z.object({ summary: z.string() });

interface Section {
  heading: string;
  subsections: Section[];
}

const SectionSchema: z.ZodType<Section> = z.object({
  heading: z.string(),
  get subsections() {
    return z.array(SectionSchema);
  },
});

export const EveryFeature = z.object({
  nullableText: z.string().nullable(),
  boundedInteger: z.number().int().min(3).max(9).nullable(),
  stance: z.enum(['supports', 'refutes', 'mixed']),
  kind: z.literal('finding'),
  stringOrNumber: z.union([z.string(), z.number()]),
  evidence: z.discriminatedUnion('type', [
    z.object({ type: z.literal('study'), sampleSize: z.number().int().min(1) }),
    z.object({ type: z.literal('anecdote'), source: z.string() }),
  ]),
  label: z.string().min(5).max(12),
  exactlyThree: z.array(z.object({ reason: z.string() })).length(3),
  flag: z.boolean(),
  sourceUrl: z.url(),
  contact: z.email(),
  publishedAt: z.iso.datetime(),
  id: z.uuid(),
  fraction: z.number().gt(0).lt(1),
  stepped: z.number().multipleOf(5).min(12).max(40),
  slug: z.string().regex(/^[a-z]+$/),
  year: z.number().int(),
  outline: SectionSchema,
  twoOutlines: z.array(SectionSchema).min(1).max(2),
});
