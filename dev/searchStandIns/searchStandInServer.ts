import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fault a search stand-in injects into its next `times` calls (default 1):
 * - `status`: that HTTP status (with a Retry-After in seconds when given), with the back end's
 *   own error body, or `body` (HTML, as a proxy would answer) instead;
 * - `slow`: the answer, delayed past the client's timeout;
 * - `trickle`: the answer's headers at once, then a space every 50 ms for `forMs`, then the
 *   answer (a server that is never idle yet never done);
 * - `padded`: the answer (or, with `status`, that error) after `bytes` bytes of whitespace,
 *   written only as fast as the client reads them;
 * - `raw`: `body` as it is, with that status (an answer that is not the back end's).
 */
export type SearchFault =
  | { readonly kind: 'status'; readonly status: number; readonly times?: number; readonly retryAfterSeconds?: number; readonly body?: string }
  | { readonly kind: 'slow'; readonly delayMs: number; readonly times?: number }
  | { readonly kind: 'trickle'; readonly forMs: number; readonly times?: number }
  | { readonly kind: 'padded'; readonly bytes: number; readonly status?: number; readonly times?: number }
  | { readonly kind: 'raw'; readonly status: number; readonly body: string; readonly contentType?: string; readonly times?: number };

/** A running search stand-in. */
export interface SearchStandIn<Call> {
  /** The base URL to hand the client (TAVILY_BASE_URL / SEARXNG_URL), e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Every request received, oldest first, faulted ones included. */
  readonly calls: Call[];
  /** Answers whose connection the client closed before they were written whole. */
  readonly abandoned: number;
  /** Queues a fault for the next calls; faults apply in the order queued. */
  fail(fault: SearchFault): void;
  /** Stops listening, cancels delayed answers and closes open connections. Safe to call twice. */
  stop(): Promise<void>;
}

/** An answer, before it is written. */
export interface SearchReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** What a stand-in answers one request with, once it has recorded the call. */
export type SearchHandler<Call> = (request: IncomingMessage, body: string) => { call: Call | undefined; reply: SearchReply };

const trickleEveryMs = 50;
const paddingChunk = ' '.repeat(64 * 1024);

/**
 * Starts a node:http server on 127.0.0.1 and a free port that records each call, applies the
 * queued faults in order, and otherwise lets `handle` answer; `faultReply` is the back end's
 * own answer to an error status.
 */
export async function startSearchStandIn<Call>(handle: SearchHandler<Call>, faultReply: (status: number) => SearchReply): Promise<SearchStandIn<Call>> {
  const calls: Call[] = [];
  const faults: { fault: SearchFault; left: number }[] = [];
  const cancels = new Set<() => void>();
  let abandoned = 0;

  const later = (ms: number, run: () => void): void => {
    const timer = setTimeout(() => {
      cancels.delete(cancel);
      run();
    }, ms);
    const cancel = (): void => clearTimeout(timer);
    cancels.add(cancel);
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      response.on('close', () => {
        if (!response.writableFinished) abandoned += 1;
      });
      const { call, reply } = handle(request, Buffer.concat(chunks).toString('utf8'));
      if (call !== undefined) calls.push(call);
      const fault = call === undefined ? undefined : nextFault(faults);
      switch (fault?.kind) {
        case 'status':
          if (fault.retryAfterSeconds !== undefined) response.setHeader('retry-after', String(fault.retryAfterSeconds));
          return send(response, fault.body === undefined ? faultReply(fault.status) : { status: fault.status, contentType: 'text/html; charset=utf-8', body: fault.body });
        case 'slow':
          return later(fault.delayMs, () => {
            if (!response.destroyed) send(response, reply);
          });
        case 'trickle':
          return trickle(response, reply, fault.forMs, later);
        case 'padded':
          return void padded(response, fault.status === undefined ? reply : faultReply(fault.status), fault.bytes);
        case 'raw':
          return send(response, { status: fault.status, contentType: fault.contentType ?? 'application/json', body: fault.body });
        default:
          return send(response, reply);
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
    get abandoned() {
      return abandoned;
    },
    fail: (fault) => void faults.push({ fault, left: fault.times ?? 1 }),
    stop: () =>
      (stopping ??= new Promise<void>((resolve) => {
        for (const cancel of cancels) cancel();
        cancels.clear();
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

function send(response: ServerResponse, reply: SearchReply): void {
  response.writeHead(reply.status, { 'content-type': reply.contentType, 'content-length': Buffer.byteLength(reply.body) });
  response.end(reply.body);
}

function trickle(response: ServerResponse, reply: SearchReply, forMs: number, later: (ms: number, run: () => void) => void): void {
  response.writeHead(reply.status, { 'content-type': reply.contentType });
  const until = performance.now() + forMs;
  const step = (): void => {
    if (response.destroyed) return;
    if (performance.now() >= until) return void response.end(reply.body);
    response.write(' ');
    later(trickleEveryMs, step);
  };
  step();
}

/** Writes `bytes` of whitespace, then the reply, waiting for the client to read each chunk. */
async function padded(response: ServerResponse, reply: SearchReply, bytes: number): Promise<void> {
  response.writeHead(reply.status, { 'content-type': reply.contentType, 'content-length': bytes + Buffer.byteLength(reply.body) });
  for (let left = bytes; left > 0 && !response.destroyed; left -= paddingChunk.length) {
    const chunk = left >= paddingChunk.length ? paddingChunk : paddingChunk.slice(0, left);
    if (!response.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          response.off('drain', done);
          response.off('close', done);
          resolve();
        };
        response.on('drain', done);
        response.on('close', done);
      });
    }
  }
  if (!response.destroyed) response.end(reply.body);
}

/** A JSON answer. */
export function jsonReply(status: number, body: unknown): SearchReply {
  return { status, contentType: 'application/json', body: JSON.stringify(body) };
}
