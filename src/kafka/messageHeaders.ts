import type { IHeaders } from 'kafkajs';

/**
 * Reads one Kafka header as text. kafkajs hands header values over as Buffers (or arrays
 * of them when a key repeats); producers may have sent strings. The first value wins.
 */
export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return undefined;
  return Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}

/** Every header as text, for copying or inspecting. */
export function headersAsText(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers ?? {})) {
    const text = headerText(headers, name);
    if (text !== undefined) out[name] = text;
  }
  return out;
}
