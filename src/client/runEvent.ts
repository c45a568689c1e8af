import { researchProgressSchema, type ResearchProgressEvent } from '../contracts/researchProgress';
import { parseResultEvent, type ResultEvent } from './resultEvent';

/** A validated progress event (`research.progress`), tagged like the result events. */
export interface ProgressUpdate {
  readonly kind: 'progress';
  readonly event: ResearchProgressEvent;
}

/** What a subscription with `progress: true` yields: results and progress, each tagged with its kind. */
export type RunEvent = ResultEvent | ProgressUpdate;

/** Parses a record of one of the run topics; undefined when it is not a valid event of that kind. */
export function parseRunEvent(kind: RunEvent['kind'], value: Buffer | null): RunEvent | undefined {
  if (kind !== 'progress') return parseResultEvent(kind, value);
  if (!value) return undefined;
  try {
    const parsed = researchProgressSchema.safeParse(JSON.parse(value.toString('utf8')));
    return parsed.success ? { kind, event: parsed.data } : undefined;
  } catch {
    return undefined;
  }
}
