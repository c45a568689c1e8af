import type { IHeaders } from 'kafkajs';

/**
 * How many header entries a record carries (a repeated name counts each time) and their bytes
 * (names and values): what INGEST_MAX_HEADER_COUNT and INGEST_MAX_HEADER_BYTES bound.
 */
export function headerFootprint(headers: IHeaders | undefined): { readonly count: number; readonly bytes: number } {
  let count = 0;
  let bytes = 0;
  for (const [name, value] of Object.entries(headers ?? {})) {
    const values = (Array.isArray(value) ? value : [value]) as unknown[];
    count += values.length;
    bytes += Buffer.byteLength(name) * values.length;
    for (const entry of values) bytes += Buffer.isBuffer(entry) ? entry.length : typeof entry === 'string' ? Buffer.byteLength(entry) : 0;
  }
  return { count, bytes };
}
