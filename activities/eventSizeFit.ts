import { capText } from '../src/contracts/fieldLimits';

/**
 * Never cut: the fields that identify an event, the request's own metadata (the subscriber's
 * keys), and URLs (a cut URL leads nowhere; the caps drop over-long ones instead).
 */
const uncutFields = new Set(['eventId', 'requestId', 'workflowId', 'runId', 'traceId', 'metadata', 'url']);

/**
 * The event as it fits `maxBytes` of JSON: while it is larger, its longest text field is cut
 * to half with a truncation marker (capText). Caps per field keep an event well below the
 * limit almost always; this is the guarantee for the rest (many fields near their caps,
 * characters JSON escapes into six bytes). Returns the event itself when it fits.
 *
 * @example
 * const value = JSON.stringify(fitToBytes(event, 1_000_000));
 */
export function fitToBytes<T extends object>(event: T, maxBytes: number): T {
  let current = event;
  for (let round = 0; round < 500 && Buffer.byteLength(JSON.stringify(current)) > maxBytes; round += 1) {
    const longest = longestText(current, []);
    if (!longest || longest.text.length < 200) break;
    current = replaceAt(current, longest.path, capText(longest.text, Math.floor(longest.text.length / 2))) as T;
  }
  return current;
}

interface TextAt {
  readonly path: readonly (string | number)[];
  readonly text: string;
}

function longestText(value: unknown, path: (string | number)[]): TextAt | undefined {
  if (typeof value === 'string') return { path, text: value };
  if (value === null || typeof value !== 'object') return undefined;
  let longest: TextAt | undefined;
  for (const [key, child] of Object.entries(value)) {
    if (uncutFields.has(key) && !Array.isArray(value)) continue;
    const found = longestText(child, [...path, Array.isArray(value) ? Number(key) : key]);
    if (found && (!longest || found.text.length > longest.text.length)) longest = found;
  }
  return longest;
}

function replaceAt(value: unknown, path: readonly (string | number)[], text: string): unknown {
  if (path.length === 0) return text;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(value)) return (value as unknown[]).map((item, index) => (index === head ? replaceAt(item, rest, text) : item));
  const record = value as Record<string, unknown>;
  return { ...record, [head]: replaceAt(record[head], rest, text) };
}
