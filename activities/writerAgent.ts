import { z } from 'zod';
import { capText, resultFieldLimits } from '../src/contracts/fieldLimits';

export const researchReportDraftSchema = z.object({
  shortSummary: z.string().min(1).describe('A 2–3 sentence summary of the findings.'),
  markdownReport: z.string().min(1).describe('The full report in markdown, at least 1,000 words.'),
  followUpQuestions: z.array(z.string().min(1)).min(1).max(10).describe('Questions worth researching next.'),
});

export type ResearchReportDraft = z.infer<typeof researchReportDraftSchema>;

/** The report with each field cut to its cap and a truncation marker where cut. */
export function cappedReport(draft: ResearchReportDraft): ResearchReportDraft {
  return {
    shortSummary: capText(draft.shortSummary, resultFieldLimits.shortSummary),
    markdownReport: capText(draft.markdownReport, resultFieldLimits.markdownReport),
    followUpQuestions: draft.followUpQuestions.slice(0, 10).map((question) => capText(question, resultFieldLimits.followUpQuestion)),
  };
}

export const writerInstructions = [
  'You are a senior researcher writing a report that answers a research question. You get',
  'the question and summaries of the searches a research assistant ran. First outline the',
  'report, then write it in markdown with headings: a long, detailed and well-structured',
  'report of at least 1,000 words that weighs the evidence and says where it is thin.',
  'Also return a short summary of 2–3 sentences and follow-up questions worth researching.',
].join(' ');

/** The writer's user input: the question and every successful search summary. */
export function writerInput(query: string, findings: readonly { query: string; summary: string }[]): string {
  const body = findings.map((finding, index) => `### Search ${index + 1}: ${finding.query}\n${finding.summary}`).join('\n\n');
  return `Research question: ${query}\n\nSearch summaries:\n\n${body}`;
}
