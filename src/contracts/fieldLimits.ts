/**
 * Length caps of the model-written fields of result events, in characters. Model output has no
 * length of its own, and a result too large for the topic (1 MiB by default) would be refused
 * for good: each field is cut to its cap with a truncation marker (capText) where the model's
 * answer is read, and the publisher fits the whole event into RESULT_MAX_EVENT_BYTES.
 *
 * @example
 * capText(report.markdownReport, resultFieldLimits.markdownReport);
 */
export const resultFieldLimits = {
  shortSummary: 2000,
  markdownReport: 100_000,
  followUpQuestion: 1000,
  searchQuery: 1000,
  searchReason: 1000,
  /** A searcher's summary: not in the result event, but carried to the writer through Temporal. */
  searchSummary: 20_000,
  sourceTitle: 500,
  sourceUrl: 2048,
  sourcesPerSearch: 20,
  errorMessage: 2000,
} as const;

/** What a cut text ends with: says that it was cut, and how long it was. */
export function truncationMarker(originalLength: number, kept: number): string {
  return ` … [truncated by research-relay: first ${kept} of ${originalLength} characters]`;
}

/**
 * The text itself when it fits `max` characters; else its beginning plus a truncation marker,
 * `max` characters in all. Never splits a surrogate pair.
 *
 * @example
 * capText('a'.repeat(5000), 100).length; // 100, ending in "… [truncated by research-relay: first 42 of 5000 characters]"
 */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  let kept = Math.max(0, max - truncationMarker(text.length, max).length);
  const last = text.charCodeAt(kept - 1);
  if (kept > 0 && last >= 0xd800 && last <= 0xdbff) kept -= 1;
  return text.slice(0, kept) + truncationMarker(text.length, kept);
}

