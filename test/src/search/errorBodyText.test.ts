import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorBodyText } from '../../../src/search/errorBodyText';

describe('an error body as a short line', () => {
  it('drops tags, scripts and styles, collapses whitespace and keeps at most 200 characters', () => {
    const page = '<!DOCTYPE html><html><head><style>h1 { color: red }</style><script>var x = "<b>";</script><title>502</title></head>\n<body><h1>Bad   gateway</h1><p>upstream\tdown</p></body></html>';
    assert.equal(errorBodyText(page), '502 Bad gateway upstream down');
    assert.equal(errorBodyText(`<p>${'word '.repeat(500)}</p>`).length, 200);
    assert.equal(errorBodyText('<SCRIPT type="text/javascript">alert(1)</SCRIPT >after'), 'after');
    assert.equal(errorBodyText('before<script>never closed'), 'before');
    assert.equal(errorBodyText('a \u0000\u001b[31m b\u202e'), 'a [31m b');
  });

  it('drops the last characters of a body that was cut, where a secret cut in two would escape masking', () => {
    const tags = '<i></i>'.repeat(560);
    assert.equal(errorBodyText(`${tags}tvly-half`), 'tvly-half', 'a whole body keeps its end');
    assert.doesNotMatch(errorBodyText(`${tags}tvly-half`, false), /tvly/, 'cut before it came');
    assert.doesNotMatch(errorBodyText(`${tags}tvly-half${'x'.repeat(5000)}`), /tvly/, 'cut here');
  });

  it('takes milliseconds on bodies built to make a regex backtrack (unclosed tags, scripts without an end)', () => {
    for (const body of ['<'.repeat(120_000), '<script'.repeat(20_000)]) {
      const started = performance.now();
      errorBodyText(body);
      const tookMs = performance.now() - started;
      // Quadratic matching takes seconds on these; linear work takes a few milliseconds.
      assert.ok(tookMs < 1000, `${body.slice(0, 10)}…: ${Math.round(tookMs)} ms`);
    }
  });
});
