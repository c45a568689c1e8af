/** A response body read up to a limit. */
export interface CappedBody {
  /** The bytes read, as UTF-8 text. */
  readonly text: string;
  /** False when the body went on past the limit: the rest was never read. */
  readonly complete: boolean;
}

/**
 * The first `maxBytes` of a fetch response's body; past them the stream is cancelled, which
 * closes the connection instead of downloading the rest. A timeout or an abort while reading
 * rejects with the signal's reason, as `response.text()` would.
 *
 * @example
 * const { text, complete } = await readCappedBody(response, 4096);
 */
export async function readCappedBody(response: Response, maxBytes: number): Promise<CappedBody> {
  if (!response.body) return { text: '', complete: true };
  // Node's fetch yields Uint8Array chunks; its types say any.
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  let read = 0;
  let finished = false;
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) {
        finished = true;
        return { text: text + decoder.decode(), complete: true };
      }
      const room = maxBytes - read;
      if (chunk.value.byteLength > room) {
        return { text: text + decoder.decode(chunk.value.subarray(0, room)), complete: false };
      }
      read += chunk.value.byteLength;
      text += decoder.decode(chunk.value, { stream: true });
    }
  } finally {
    if (!finished) void reader.cancel().catch(() => undefined);
  }
}
