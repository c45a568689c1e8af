import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createLogger, registerSecret, type Logger, type LogLevel } from '../../../src/logging/logger';

type Line = Record<string, unknown>;

/** A logger whose lines are kept (raw, as written) for the test to read. */
function capturing(level: LogLevel = 'debug', name = 'logger-test'): { logger: Logger; raw: string[]; lines: () => Line[] } {
  const raw: string[] = [];
  const logger = createLogger({ level, name, write: (line) => raw.push(line) });
  return { logger, raw, lines: () => raw.map((line) => JSON.parse(line) as Line) };
}

describe('the logger', () => {
  // Spans need a tracer that records and a context manager that carries the active span
  // across awaits, as in a process whose telemetry is started.
  const contextManager = new AsyncLocalStorageContextManager();
  const provider = new BasicTracerProvider();
  const tracer = provider.getTracer('logger-test');
  before(() => context.setGlobalContextManager(contextManager.enable()));
  after(async () => {
    context.disable();
    await provider.shutdown();
  });

  it('writes one JSON object per line: level as a word, ISO time, logger name, message and fields', () => {
    const { logger, raw, lines } = capturing();
    logger.info('workflow started', { partition: 2, nested: { ok: true } });
    assert.equal(raw.length, 1);
    assert.ok(!raw[0]?.includes('\n'), 'no newline in the line handed over');
    const [line] = lines();
    assert.deepEqual(line, { level: 'info', time: line?.time, logger: 'logger-test', msg: 'workflow started', partition: 2, nested: { ok: true } });
    assert.match(String(line?.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('a line written inside a span carries its trace_id and span_id, also after an await; a line outside carries neither', async () => {
    const { logger, lines } = capturing();
    logger.info('before');
    const ids = await tracer.startActiveSpan('outer', async (outer) => {
      logger.info('in outer');
      await sleep(5);
      const inner = tracer.startActiveSpan('inner', (span) => {
        logger.info('in inner');
        span.end();
        return span.spanContext();
      });
      logger.info('outer again');
      outer.end();
      return { outer: outer.spanContext(), inner };
    });
    logger.info('after');
    const ofLine = (msg: string) => {
      const line = lines().find((candidate) => candidate.msg === msg);
      assert.ok(line, msg);
      return { trace_id: line.trace_id, span_id: line.span_id };
    };
    assert.deepEqual(ofLine('before'), { trace_id: undefined, span_id: undefined });
    assert.deepEqual(ofLine('in outer'), { trace_id: ids.outer.traceId, span_id: ids.outer.spanId });
    assert.deepEqual(ofLine('in inner'), { trace_id: ids.outer.traceId, span_id: ids.inner.spanId });
    assert.deepEqual(ofLine('outer again'), { trace_id: ids.outer.traceId, span_id: ids.outer.spanId });
    assert.deepEqual(ofLine('after'), { trace_id: undefined, span_id: undefined });
  });

  it('censors credential fields by name, at the top and one level down, whether or not the value is a registered secret', () => {
    const { logger, raw, lines } = capturing();
    logger.warn('calling the model', {
      apiKey: 'sk-unregistered-1',
      password: 'hunter2-unregistered',
      options: { token: 'tok-unregistered', model: 'gpt-4.1' },
      headers: { authorization: 'Bearer unregistered', 'x-api-key': 'k-unregistered', accept: 'application/json' },
      body: Buffer.from('hi'),
    });
    assert.ok(!/unregistered|hunter2/.test(raw[0] ?? ''), raw[0]);
    const [line] = lines();
    assert.equal(line?.apiKey, '[redacted]');
    assert.equal(line?.password, '[redacted]');
    assert.deepEqual(line?.options, { token: '[redacted]', model: 'gpt-4.1' });
    assert.deepEqual(line?.headers, { authorization: '[redacted]', 'x-api-key': '[redacted]', accept: 'application/json' });
    assert.deepEqual(line?.body, { type: 'Buffer', data: [104, 105] }, 'other values next to redacted paths still serialise');
  });

  it('masks a registered secret with a quote and a backslash in the message, a field, an error message and its stack', () => {
    const secret = 'pw-"back\\slash"-8c1f';
    registerSecret(secret);
    const { logger, raw, lines } = capturing();
    logger.error(`login with ${secret} refused`, { detail: { said: `no ${secret}` }, error: new Error(`denied ${secret}`) });
    assert.ok(!raw[0]?.includes(secret) && !raw[0]?.includes(JSON.stringify(secret).slice(1, -1)), raw[0]);
    const [line] = lines();
    assert.equal(line?.msg, 'login with [redacted] refused');
    assert.deepEqual(line?.detail, { said: 'no [redacted]' });
    const error = line?.error as { type: string; message: string; stack: string };
    assert.equal(error.type, 'Error');
    assert.equal(error.message, 'denied [redacted]');
    assert.match(error.stack, /^Error: denied \[redacted\]\n {4}at /);
  });

  it('masks a registered secret inside a value that is not plain data, in the serialised line', () => {
    const secret = 'pw-"in\\stance"-51d0';
    registerSecret(secret);
    class Credential {
      constructor(readonly user: string, readonly value: string) {}
    }
    const { logger, raw, lines } = capturing();
    logger.info('connecting', { connection: new Credential('relay', secret) });
    assert.ok(!raw[0]?.includes(JSON.stringify(secret).slice(1, -1)), raw[0]);
    assert.deepEqual(lines()[0]?.connection, { user: 'relay', value: '[redacted]' });
  });

  it('censors fields named like credentials in any case and at any depth, and keeps counters named like tokens', () => {
    const { logger, lines } = capturing();
    logger.info('configured', { Authorization: 'Basic abc', OPENAI_API_KEY: 'sk-unregistered', 'x-api-key': 'k', config: { sasl: { password: 'p', username: 'relay' } }, usage: { inputTokens: 12, token_count: 3 } });
    const line = lines()[0] as Record<string, unknown>;
    assert.equal(line.Authorization, '[redacted]');
    assert.equal(line.OPENAI_API_KEY, '[redacted]');
    assert.equal(line['x-api-key'], '[redacted]');
    assert.deepEqual(line.config, { sasl: { password: '[redacted]', username: 'relay' } });
    assert.deepEqual(line.usage, { inputTokens: 12, token_count: 3 });
  });

  it('writes each key once: a field named like the logger or like a key pino writes replaces or sits beside it', () => {
    const { logger, raw, lines } = capturing();
    logger.child({ component: 'ingest' }).warn('broker said', { logger: 'kafkajs', level: 'ERROR', msg: 'theirs' });
    const text = raw[0] ?? '';
    for (const key of ['logger', 'level', 'msg']) assert.equal(text.split(`"${key}":`).length, 2, `"${key}" once in ${text}`);
    const line = lines()[0] as Record<string, unknown>;
    assert.equal(line.logger, 'kafkajs');
    assert.equal(line.level, 'warn', 'the level a log pipeline reads is the line’s');
    assert.equal(line.level_field, 'ERROR');
    assert.equal(line.msg, 'broker said');
  });

  for (const [level, written] of [
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']],
  ] as const) {
    it(`at LOG_LEVEL=${level} writes ${written.join(', ')}`, () => {
      const { logger, lines } = capturing(level);
      for (const each of ['debug', 'info', 'warn', 'error'] as const) logger[each](`a ${each} line`, { each });
      assert.deepEqual(lines().map((line) => [line.level, line.msg]), written.map((each) => [each, `a ${each} line`]));
    });
  }

  it("a child's bindings appear on its lines (a child of a child has both), a field overrides a binding once, and the parent stays unbound", () => {
    const { logger, raw, lines } = capturing('debug', 'ingest');
    const run = logger.child({ requestId: 'r-1' }).child({ workflowId: 'research-r-1' });
    run.info('started', { partition: 0 });
    run.warn('retrying', { requestId: 'r-1-again' });
    logger.info('unbound');
    const [started, retrying, unbound] = lines();
    assert.deepEqual(started, { level: 'info', time: started?.time, logger: 'ingest', requestId: 'r-1', workflowId: 'research-r-1', msg: 'started', partition: 0 });
    assert.equal(retrying?.requestId, 'r-1-again');
    assert.equal(raw[1]?.match(/"requestId"/g)?.length, 1, 'the key appears once in the JSON');
    assert.equal(unbound?.requestId, undefined);
    assert.equal(unbound?.workflowId, undefined);
  });
});
