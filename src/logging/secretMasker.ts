/**
 * The process's secret masker: every secret the configuration holds is registered at
 * start-up (loadRelayConfig does it for the variables of src/config/secretVariables.ts), and
 * every text that leaves the process through a log line or an error message is masked.
 *
 * A secret is matched in its raw form and in the forms an encoder turns it into on the way
 * out: JSON-escaped (a `"`, `\` or newline in it), URL-encoded, base64. Structured values are
 * masked field by field before they are serialised, so a secret never survives as an escape.
 */
const replacement = '[redacted]';
const secrets = new Set<string>();
let pattern: RegExp | undefined;

/** Shorter values would mask ordinary words; no real key, password or PEM is this short. */
const minimumLength = 4;

/**
 * Remembers a secret so that any log line containing it, in any common encoding, shows
 * "[redacted]" instead.
 *
 * @example
 * registerSecret(process.env.TEMPORAL_API_KEY);
 */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < minimumLength || secrets.has(value)) return;
  secrets.add(value);
  pattern = undefined;
}

/**
 * Masks every registered secret, in every encoded form, in a string.
 *
 * @example
 * console.error(maskSecrets(error.message));
 */
export function maskSecrets(text: string): string {
  if (secrets.size === 0) return text;
  pattern ??= secretPattern();
  return text.replace(pattern, replacement);
}

/** The forms a secret takes once encoded for a log line, a URL or a header. */
export function encodedForms(secret: string): string[] {
  const jsonEscaped = JSON.stringify(secret).slice(1, -1);
  const forms = [
    secret,
    jsonEscaped,
    // A JSON string inside a JSON string (an error message that quotes a JSON body).
    JSON.stringify(jsonEscaped).slice(1, -1),
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    Buffer.from(secret, 'utf8').toString('base64'),
    Buffer.from(secret, 'utf8').toString('base64url'),
  ];
  return [...new Set(forms)].filter((form) => form.length >= minimumLength);
}

function secretPattern(): RegExp {
  const forms = [...new Set([...secrets].flatMap(encodedForms))].sort((a, b) => b.length - a.length);
  // Percent-escapes match in either case (%2f and %2F decode alike).
  const sources = forms.map((form) =>
    form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%([0-9A-F])([0-9A-F])/g, (_match, high: string, low: string) => `%[${high}${high.toLowerCase()}][${low}${low.toLowerCase()}]`),
  );
  return new RegExp(sources.join('|'), 'g');
}

/**
 * A copy of a log record's value with every string masked (keys too), errors reduced to their
 * type, message, stack and cause chain, cycles and very deep nesting cut. A value with a toJSON
 * (date, buffer, URL) is taken in the form it serialises to; other class instances are left to
 * the serialiser and the line's own masking. The copy is plain data, which pino's redaction
 * needs: it clones what it redacts, and a clone of a buffer no longer serialises.
 *
 * @example
 * write(maskSecrets(JSON.stringify(maskedValue(record))));
 */
export function maskedValue(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return maskSecrets(value);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[circular]';
  if (depth > 8) return '[nested too deep]';
  seen.add(value);
  try {
    if (value instanceof Error) return maskedError(value, depth, seen);
    if (Array.isArray(value)) return value.map((item) => maskedValue(item, depth + 1, seen));
    if (hasToJson(value)) return maskedValue(value.toJSON(), depth + 1, seen);
    const prototype = Object.getPrototypeOf(value) as unknown;
    if (prototype !== Object.prototype && prototype !== null) return value;
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [maskSecrets(key), isCredentialKey(key) ? '[redacted]' : maskedValue(item, depth + 1, seen)]));
  } finally {
    seen.delete(value);
  }
}

/**
 * A field named like a credential (`password`, `apiKey`, `OPENAI_API_KEY`, `x-api-key`,
 * `authorization`, `sasl.password`, …; any case, any depth) is censored whatever its value, even
 * one never registered as a secret. Counters such as `inputTokens` are not credentials.
 */
const credentialKey = /^(?:.*[-_.])?(?:api[-_]?key|password|passwd|secret|token|access[-_]?token|refresh[-_]?token|authorization|cookie|credentials?)$/i;

function isCredentialKey(key: string): boolean {
  return credentialKey.test(key);
}

function hasToJson(value: object): value is { toJSON(): unknown } {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

function maskedError(error: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  return {
    type: error.name,
    message: maskSecrets(error.message),
    ...(error.stack !== undefined ? { stack: maskSecrets(error.stack) } : {}),
    ...(error.cause !== undefined ? { cause: maskedValue(error.cause, depth + 1, seen) } : {}),
  };
}
