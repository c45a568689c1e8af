import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, maskSecrets, registerSecret } from '../../../src/logging/logger';
import type { Span, SpanStatus } from '@opentelemetry/api';
import { encodedForms } from '../../../src/logging/secretMasker';
import { recordSpanFailure } from '../../../src/telemetry/spanFailure';

/** A secret with every character an encoder changes: quote, backslash, newline, %, +, /, space. */
const secret = 'tk-"quo\\ted"\nline%2/plus+ space=';

const jsonEscaped = JSON.stringify(secret).slice(1, -1);
const forms: Record<string, string> = {
  raw: secret,
  'JSON-escaped': jsonEscaped,
  'JSON-escaped twice': JSON.stringify(jsonEscaped).slice(1, -1),
  'URL-encoded': encodeURIComponent(secret),
  'URL-encoded, lower-case hex': encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()),
  'form-encoded': new URLSearchParams({ s: secret }).toString().slice(2),
  base64: Buffer.from(secret).toString('base64'),
  base64url: Buffer.from(secret).toString('base64url'),
};

/** Every log line one message produces, with the secret's forms looked for in the whole line. */
function logged(log: (logger: ReturnType<typeof createLogger>) => void): string[] {
  const lines: string[] = [];
  log(createLogger({ level: 'debug', name: 'masking-test', write: (line) => lines.push(line) }));
  return lines;
}

function assertNoForm(text: string): void {
  for (const [name, form] of Object.entries(forms)) assert.ok(!text.includes(form), `the ${name} form leaked: ${text}`);
}

describe('secret masking', () => {
  registerSecret(secret);

  for (const [name, form] of Object.entries(forms)) {
    it(`masks the ${name} form in a message, a field, a key, an error message, its cause and a stack`, () => {
      const error = new Error(`rejected credential ${form}`, { cause: new Error(`upstream said ${form}`) });
      const lines = logged((logger) => {
        logger.error(`refused: ${form}`, { header: `Bearer ${form}`, [form]: 1, nested: { list: [form] }, error });
        logger.warn('kafkajs: failure', { stack: `Error: ${form}\n    at connect (x.js:1:1)` });
      });
      assert.equal(lines.length, 2);
      for (const line of lines) {
        assertNoForm(line);
        assert.match(line, /\[redacted\]/);
        JSON.parse(line);
      }
      const { error: written } = JSON.parse(lines[0] ?? '') as { error: { type: string; message: string; stack: string; cause: { type: string; message: string; stack: string } } };
      assert.equal(written.type, 'Error');
      assert.equal(written.message, 'rejected credential [redacted]');
      assert.match(written.stack, /^Error: rejected credential \[redacted\]\n {4}at /, 'the stack is logged, masked');
      assert.equal(written.cause.message, 'upstream said [redacted]', 'the cause chain is logged, masked');
      assert.match(written.cause.stack, /^Error: upstream said \[redacted\]\n/);
    });
  }

  it('maskSecrets masks every form in plain text too (what entry points print on stderr)', () => {
    const text = Object.values(forms).join(' | ');
    const masked = maskSecrets(text);
    assertNoForm(masked);
    assert.equal(masked.split('[redacted]').length - 1, Object.keys(forms).length);
  });

  it('leaves text without a secret alone, and ignores values too short to be a secret', () => {
    registerSecret('abc');
    assert.equal(maskSecrets('abc and research.requested'), 'abc and research.requested');
    const [line] = logged((logger) => logger.info('plain', { topic: 'research.requested', count: 3, at: new Date(0), data: Buffer.from('hi') }));
    const record = JSON.parse(line ?? '') as Record<string, unknown>;
    assert.deepEqual(record, {
      level: 'info', time: record.time, logger: 'masking-test', msg: 'plain',
      topic: 'research.requested', count: 3, at: '1970-01-01T00:00:00.000Z', data: { type: 'Buffer', data: [104, 105] },
    });
  });

  it('cuts cycles instead of failing', () => {
    const cyclic: Record<string, unknown> = { name: secret };
    cyclic.self = cyclic;
    const [line] = logged((logger) => logger.info('cycle', { cyclic }));
    assert.deepEqual((JSON.parse(line ?? '') as { cyclic: unknown }).cyclic, { name: '[redacted]', self: '[circular]' });
  });

  it("a failed span's status message is masked too (with content capture on, when it is recorded at all)", () => {
    const statuses: SpanStatus[] = [];
    const span = { setAttribute: () => span, setStatus: (status: SpanStatus) => statuses.push(status) } as unknown as Span;
    const capture = process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
    process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'true';
    try {
      recordSpanFailure(span, new Error(`auth failed for ${jsonEscaped}`));
    } finally {
      if (capture === undefined) delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
      else process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = capture;
    }
    assert.equal(statuses[0]?.message, 'auth failed for [redacted]');
  });

  it('lists the encodings it masks', () => {
    // Lower-case percent-escapes are matched by the upper-case form's pattern.
    const { 'URL-encoded, lower-case hex': _lowerCase, ...listed } = forms;
    assert.deepEqual(new Set(encodedForms(secret)), new Set(Object.values(listed)));
  });
});
