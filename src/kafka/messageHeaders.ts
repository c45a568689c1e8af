import type { IHeaders } from 'kafkajs';

/**
 * Reads one Kafka header as text. kafkajs hands header values over as Buffers (or arrays
 * of them when a key repeats); producers may have sent strings. The first value wins. A null
 * value (the protocol allows it, and the Java client and librdkafka send it) reads as absent.
 */
export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  // Typed without null, but null on the wire (kafkajs decodes a null value to null).
  const first = (Array.isArray(value) ? value[0] : value) as Buffer | string | null | undefined;
  if (first === undefined || first === null) return undefined;
  return Buffer.isBuffer(first) ? first.toString('utf8') : first;
}

/** Every header as text, for copying or inspecting (null values left out). */
export function headersAsText(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers ?? {})) {
    const text = headerText(headers, name);
    if (text !== undefined) defineHeader(out, name, text);
  }
  return out;
}

/**
 * Sets a header as an own property: a header may be named `__proto__`, which an assignment
 * would take as the object's prototype (and so lose).
 */
export function defineHeader<T>(headers: Record<string, T>, name: string, value: T): void {
  Object.defineProperty(headers, name, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The headers kafkajs's producer can encode: null values dropped (its encoder throws a
 * TypeError on them), alone or inside a repeated key's list. Returns the names dropped.
 */
export function encodableHeaders(headers: IHeaders | undefined): { readonly headers: IHeaders; readonly dropped: readonly string[] } {
  const out: IHeaders = {};
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    const values = (Array.isArray(value) ? value : [value]) as unknown[];
    const kept = values.filter((entry): entry is Buffer | string => entry !== undefined && entry !== null);
    if (kept.length < values.length) dropped.push(name);
    if (kept.length > 0) defineHeader(out, name, Array.isArray(value) ? kept : kept[0]);
  }
  return { headers: out, dropped };
}
