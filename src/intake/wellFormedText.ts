/** A lone UTF-16 surrogate: with the `u` flag a well-formed pair is one code point, outside Cs. */
const loneSurrogate = /\p{Cs}/u;

/**
 * The path of the first string (a value or an object key) in parsed JSON that is not well-formed
 * text — a lone UTF-16 surrogate, which JSON's `\ud800` escape can carry — or undefined when
 * every string is. Such a string cannot be encoded as UTF-8 (Temporal's protobuf refuses it),
 * so a request holding one can never start. Walks without recursion: a value may nest deeply.
 *
 * @example
 * illFormedTextPath(JSON.parse('{"metadata":{"team":"\\ud800"}}')); // 'metadata.team'
 */
export function illFormedTextPath(json: unknown): string | undefined {
  const pending: [string, unknown][] = [['', json]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [path, value] = next;
    if (typeof value === 'string' && loneSurrogate.test(value)) return path;
    if (value === null || typeof value !== 'object') continue;
    for (const [name, child] of Object.entries(value)) {
      const here = path ? `${path}.${name}` : name;
      if (loneSurrogate.test(name)) return here;
      pending.push([here, child]);
    }
  }
  return undefined;
}
