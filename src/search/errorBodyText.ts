/** How much of an error body is looked at: its opening says what went wrong. */
export const maxErrorBodyChars = 4096;
const maxTextChars = 200;
/** Dropped where a body is cut: a secret cut in two there would escape masking. */
const cutEdgeChars = 256;

/**
 * An error body as a short line for a message: SearXNG, Tavily's SDK and proxies answer
 * errors in HTML or JSON. Only the first {@link maxErrorBodyChars} characters are read, less
 * their last few when the body goes on (or `complete` says it went on before it came here);
 * scripts, styles and tags dropped, control characters and whitespace runs made single spaces.
 * Every step is linear, so a hostile body (160 kB of `<`) costs microseconds, not seconds.
 *
 * @example
 * errorBodyText('<html><body><h1>502 Bad Gateway</h1></body></html>'); // '502 Bad Gateway'
 */
export function errorBodyText(body: string, complete = true): string {
  const cut = !complete || body.length > maxErrorBodyChars;
  const head = body.slice(0, cut ? Math.min(body.length, maxErrorBodyChars) - cutEdgeChars : body.length);
  // [^<>]: a `<` that is never closed fails at the next `<`, not at the end of the body.
  const text = withoutScripts(head).replace(/<[^<>]*>/g, ' ');
  return text.replace(/[\s\p{Cc}\p{Cf}]+/gu, ' ').trim().slice(0, maxTextChars);
}

/** The text outside `<script>…</script>` and `<style>…</style>`; an unclosed one runs to the end. */
function withoutScripts(html: string): string {
  const opening = /<(script|style)\b/gi;
  let kept = '';
  let from = 0;
  for (let match = opening.exec(html); match !== null; match = opening.exec(html)) {
    kept += `${html.slice(from, match.index)} `;
    const closing = new RegExp(`</${match[1]}\\b`, 'gi');
    closing.lastIndex = opening.lastIndex;
    const end = closing.exec(html);
    if (end === null) return kept;
    const after = html.indexOf('>', closing.lastIndex);
    from = after < 0 ? html.length : after + 1;
    opening.lastIndex = from;
  }
  return kept + html.slice(from);
}
