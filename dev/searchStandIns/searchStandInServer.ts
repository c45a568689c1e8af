import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fault a search stand-in injects into its next `times` calls (default 1): an HTTP status
 * (with a Retry-After in seconds when given), or an answer delayed past the client's timeout.
 */
export type SearchFault =
  | { readonly kind: 'status'; readonly status: number; readonly times?: number; readonly retryAfterSeconds?: number }
  | { readonly kind: 'slow'; readonly delayMs: number; readonly times?: number };

/** A running search stand-in. */
export interface SearchStandIn<Call> {
  /** The base URL to hand the client (TAVILY_BASE_URL / SEARXNG_URL), e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Every request received, oldest first, faulted ones included. */
  readonly calls: Call[];
  /** Queues a fault for the next calls; faults apply in the order queued. */
  fail(fault: SearchFault): void;
  /** Stops listening, cancels delayed answers and closes open connections. Safe to call twice. */
  stop(): Promise<void>;
}

/** What a stand-in answers one request with, once it has recorded the call. */
export type SearchHandler<Call> = (request: IncomingMessage, body: string) => { call: Call | undefined; answer: (response: ServerResponse) => void };

/**
 * Starts a node:http server on 127.0.0.1 and a free port that records each call, applies the
 * queued faults in order, and otherwise lets `handle` answer.
 */
export async function startSearchStandIn<Call>(
  handle: SearchHandler<Call>,
  faultAnswer: (response: ServerResponse, status: number) => void,
): Promise<SearchStandIn<Call>> {
  const calls: Call[] = [];
  const faults: { fault: SearchFault; left: number }[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const { call, answer } = handle(request, Buffer.concat(chunks).toString('utf8'));
      if (call !== undefined) calls.push(call);
      const fault = call === undefined ? undefined : nextFault(faults);
      if (fault?.kind === 'status') {
        if (fault.retryAfterSeconds !== undefined) response.setHeader('retry-after', String(fault.retryAfterSeconds));
        faultAnswer(response, fault.status);
      } else if (fault?.kind === 'slow') {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!response.destroyed) answer(response);
        }, fault.delayMs);
        timers.add(timer);
      } else {
        answer(response);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  let stopping: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    fail: (fault) => void faults.push({ fault, left: fault.times ?? 1 }),
    stop: () =>
      (stopping ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

function nextFault(faults: { fault: SearchFault; left: number }[]): SearchFault | undefined {
  const first = faults[0];
  if (!first) return undefined;
  first.left -= 1;
  if (first.left <= 0) faults.shift();
  return first.fault;
}

/** Writes a JSON answer. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
