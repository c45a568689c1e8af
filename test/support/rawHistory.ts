import { Client, type Connection } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/** A payload found in a history event, with where it was (e.g. `3.activityTaskCompletedEventAttributes.result.payloads.0`). */
export interface PayloadAt {
  readonly path: string;
  readonly payload: Payload;
}

/** A run's history exactly as the server stores it, read by a client WITHOUT any payload codec. */
export interface RawHistory {
  readonly events: temporal.api.history.v1.IHistoryEvent[];
  /** Every payload of every event: inputs, activity inputs and results, memo, headers, search attributes, failures. */
  readonly payloads: PayloadAt[];
  /** The whole history, protobuf-encoded: what any plain-text search must not find in. */
  readonly bytes: Buffer;
}

/** Reads every page of a run's history through the raw gRPC service (no data converter involved). */
export async function readRawHistory(connection: Connection, namespace: string, workflowId: string, runId?: string): Promise<RawHistory> {
  const raw = new Client({ connection, namespace });
  const events: temporal.api.history.v1.IHistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await raw.workflowService.getWorkflowExecutionHistory({ namespace, execution: { workflowId, ...(runId ? { runId } : {}) }, nextPageToken: nextPageToken ?? null });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
  } while (nextPageToken);
  const payloads: PayloadAt[] = [];
  events.forEach((event, index) => collectPayloads(event, String(index), payloads));
  const bytes = Buffer.from(temporal.api.history.v1.History.encode({ events }).finish());
  return { events, payloads, bytes };
}

/** A Payload message: metadata of byte values, and data bytes. */
function isPayload(value: object): value is Payload {
  const { metadata, data } = value as { metadata?: unknown; data?: unknown };
  return typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) && (data === undefined || data === null || data instanceof Uint8Array) && Object.values(metadata).every((entry) => entry instanceof Uint8Array);
}

function collectPayloads(value: unknown, path: string, into: PayloadAt[]): void {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return;
  if (isPayload(value) && 'metadata' in value && Object.keys(value.metadata ?? {}).length > 0) {
    into.push({ path, payload: value });
    return;
  }
  for (const [key, child] of Object.entries(value)) collectPayloads(child, `${path}.${key}`, into);
}

/** A payload's metadata value as text (e.g. its `encoding`). */
export function metadataText(payload: Payload, key: string): string | undefined {
  const value = payload.metadata?.[key];
  return value ? Buffer.from(value).toString('utf8') : undefined;
}
