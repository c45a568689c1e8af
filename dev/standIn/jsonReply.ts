import type { ServerResponse } from 'node:http';

/**
 * Answers with a JSON body and returns the status, for the caller's request log. Does nothing
 * when the response is already sent or its client is gone: a late answer after a client timeout
 * or a server stop is expected, not an error.
 */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): number {
  if (response.headersSent || response.destroyed) return status;
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'openai-processing-ms': '1',
  });
  response.end(text);
  return status;
}
