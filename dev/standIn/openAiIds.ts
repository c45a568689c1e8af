import { randomBytes } from 'node:crypto';

/**
 * An id in OpenAI's style ("resp_…", "msg_…", "ws_…", "chatcmpl-…", "req_…"). Ids are unique per
 * call, not derived from the request: two identical calls are still two responses.
 */
export function openAiId(prefix: string, bytes = 16): string {
  return `${prefix}${randomBytes(bytes).toString('hex')}`;
}
