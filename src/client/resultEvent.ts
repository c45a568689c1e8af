import { researchCompletedSchema, type ResearchCompleted } from '../contracts/researchCompleted';
import { researchFailedSchema, type ResearchFailed } from '../contracts/researchFailed';

/** A validated result event, tagged with the topic kind it came from. */
export type ResultEvent = { readonly kind: 'completed'; readonly event: ResearchCompleted } | { readonly kind: 'failed'; readonly event: ResearchFailed };

/** Parses a result record's value; undefined when it is not a valid event of that kind. */
export function parseResultEvent(kind: 'completed' | 'failed', value: Buffer | null): ResultEvent | undefined {
  if (!value) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
  if (kind === 'completed') {
    const parsed = researchCompletedSchema.safeParse(json);
    return parsed.success ? { kind, event: parsed.data } : undefined;
  }
  const parsed = researchFailedSchema.safeParse(json);
  return parsed.success ? { kind, event: parsed.data } : undefined;
}
