import type { Payload } from '@temporalio/common';

/** A Payload in protobuf's JSON form, as the remote codec protocol carries it: bytes as base64. */
export interface JsonPayload {
  readonly metadata?: Record<string, string>;
  readonly data?: string;
}

const base64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** A request body that is not `{"payloads": [...]}` in protobuf JSON. */
export class PayloadJsonError extends Error {}

/** Parses `{"payloads": [...]}` (protobuf JSON of temporal.api.common.v1.Payloads) into payloads. */
export function payloadsFromJson(body: string): Payload[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new PayloadJsonError('the body is not JSON');
  }
  const payloads = (parsed as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(payloads)) throw new PayloadJsonError('the body has no "payloads" array');
  return payloads.map((entry: unknown, index) => payloadFromJson(entry, index));
}

/** Payloads as protobuf JSON: `{"payloads": [{"metadata": {"encoding": "<base64>"}, "data": "<base64>"}]}`. */
export function payloadsToJson(payloads: readonly Payload[]): string {
  const json: JsonPayload[] = payloads.map(({ metadata, data }) => ({
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
    ...(data && data.length > 0 ? { data: Buffer.from(data).toString('base64') } : {}),
  }));
  return JSON.stringify({ payloads: json });
}

function payloadFromJson(entry: unknown, index: number): Payload {
  if (typeof entry !== 'object' || entry === null) throw new PayloadJsonError(`payloads[${index}] is not an object`);
  const { metadata = {}, data } = entry as { metadata?: unknown; data?: unknown };
  if (typeof metadata !== 'object' || metadata === null) throw new PayloadJsonError(`payloads[${index}].metadata is not an object`);
  return {
    metadata: Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key, bytes(value, `payloads[${index}].metadata.${key}`)])),
    data: data === undefined || data === null ? new Uint8Array() : bytes(data, `payloads[${index}].data`),
  };
}

/** Protobuf JSON accepts standard and URL-safe base64. */
function bytes(value: unknown, where: string): Uint8Array {
  if (typeof value !== 'string' || !base64.test(value)) throw new PayloadJsonError(`${where} is not base64`);
  return Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
}
