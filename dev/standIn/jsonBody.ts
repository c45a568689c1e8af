import type { IncomingMessage } from 'node:http';
import { InvalidCallError } from './standInErrors';

/** Large enough for long multi-turn inputs, small enough that a runaway client cannot exhaust memory. */
export const maximumBodyBytes = 32 * 1024 * 1024;

/**
 * Reads and parses a JSON request body; an empty body reads as `undefined`.
 *
 * @throws {InvalidCallError} when the body is not JSON or exceeds `maximumBodyBytes`.
 */
export async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > maximumBodyBytes) throw new InvalidCallError(`The request body exceeds ${maximumBodyBytes} bytes.`, null);
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim().length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidCallError(
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)",
      null,
    );
  }
}
