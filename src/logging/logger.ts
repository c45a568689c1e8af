/**
 * Structured logging through pino: JSON lines on stderr (pretty when stderr is a terminal),
 * each line written inside a span carrying that span's `trace_id` and `span_id`, secrets masked.
 */
import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import pino from 'pino';
import { prettyFactory } from 'pino-pretty';
import { maskSecrets, maskedValue } from './secretMasker';

export { maskSecrets, registerSecret } from './secretMasker';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

/**
 * @example
 * const logger = createLogger({ level: 'info', name: 'ingest' });
 * logger.child({ requestId, workflowId }).info('workflow started');
 */
export function createLogger(options: {
  level: LogLevel;
  name: string;
  /** Receives each line, JSON without its newline (tests); default: stderr. */
  write?: (line: string) => void;
  bindings?: Record<string, unknown>;
}): Logger {
  const output = lineOutput(options.write);
  const root = pino(
    {
      level: options.level,
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: activeSpanFields,
    },
    // Serialising can still produce a secret's escaped form (a field that is not a plain
    // object, a key's text): the whole line is masked once more on its way out.
    { write: (line: string) => output(maskSecrets(line)) },
  );
  // The name is a binding like any other: a field named `logger` (kafkajs's) replaces it.
  return boundLogger(root, { logger: options.name, ...options.bindings });
}

/**
 * Bindings are merged into each line's fields rather than kept as pino child bindings: a field
 * that repeats a binding then replaces it instead of appearing twice in the JSON.
 */
function boundLogger(root: pino.Logger, bindings: Record<string, unknown>): Logger {
  const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (!root.isLevelEnabled(level)) return;
    // Masked field by field before serialising: a secret with a `"` or `\` in it would
    // otherwise survive as its JSON escape. Errors become their type, message, stack and cause.
    // Credential-named fields are censored there too, at any depth (see secretMasker).
    root[level](maskedValue(withoutReservedKeys({ ...bindings, ...fields })) as object, maskSecrets(message));
  };
  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
    child: (more) => boundLogger(root, { ...bindings, ...more }),
  };
}

/** Keys pino writes itself: a field of the same name is renamed (`level` → `level_field`), never written twice. */
const reservedKeys = new Set(['level', 'time', 'msg', 'trace_id', 'span_id']);

function withoutReservedKeys(fields: Record<string, unknown>): Record<string, unknown> {
  if (!Object.keys(fields).some((key) => reservedKeys.has(key))) return fields;
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [reservedKeys.has(key) ? `${key}_field` : key, value]));
}

/** The active span's ids, so a line leads to its trace (and a trace's lines can be found). */
function activeSpanFields(): Record<string, string> {
  const span = trace.getSpanContext(context.active());
  return span && isSpanContextValid(span) ? { trace_id: span.traceId, span_id: span.spanId } : {};
}

/** Where finished lines go: the caller's function, else stderr, written synchronously so nothing is lost at exit. */
function lineOutput(write: ((line: string) => void) | undefined): (line: string) => void {
  if (write) return (line) => write(line.endsWith('\n') ? line.slice(0, -1) : line);
  const stderr = stderrStream();
  if (!process.stderr.isTTY) return (line) => stderr.write(line);
  // Formatted in this thread (no worker transport): a process that exits has written everything.
  const pretty = prettyFactory({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'logger' });
  return (line) => stderr.write(pretty(line));
}

let stderr: pino.DestinationStream | undefined;

/** One synchronous stream on fd 2 for every logger of the process. */
function stderrStream(): pino.DestinationStream {
  return (stderr ??= pino.destination({ fd: 2, sync: true }));
}

/** A logger that drops everything (tests, library users who bring no logger). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
