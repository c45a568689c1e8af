const numberWords: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17,
  eighteen: 18, nineteen: 19, twenty: 20,
};

/**
 * The item count a prompt asks for with "exactly N" ("Return exactly 7 search items",
 * "exactly seven"), or undefined. Prompts are how tests steer list lengths, as with a real model.
 *
 * @example
 * requestedCount('Return exactly 7 search items'); // 7
 */
export function requestedCount(...texts: readonly string[]): number | undefined {
  for (const text of texts) {
    const match = /\bexactly\s+(\d{1,4}|[a-z]+)\b/i.exec(text);
    if (!match?.[1]) continue;
    const word = match[1].toLowerCase();
    const count = /^\d+$/.test(word) ? Number(word) : numberWords[word];
    if (count !== undefined) return count;
  }
  return undefined;
}

/** Upper bound on generated list lengths, so "exactly 100000" cannot exhaust memory. */
export const maximumGeneratedItems = 500;

/**
 * How many items to generate for an array: the requested count clamped to the schema's bounds,
 * else five clamped to them.
 */
export function arrayLength(minItems: number | undefined, maxItems: number | undefined, requested: number | undefined): number {
  const min = minItems ?? 0;
  const max = Math.max(min, maxItems ?? Number.POSITIVE_INFINITY);
  const wanted = requested ?? 5;
  return Math.max(min, Math.min(max, wanted, Math.max(min, maximumGeneratedItems)));
}
