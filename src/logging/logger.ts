/** Structured logging: one JSON object per line on stderr, with secrets masked. */
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

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * @example
 * const logger = createLogger({ level: 'info', name: 'ingest' });
 * logger.info('workflow started', { workflowId });
 */
export function createLogger(options: {
  level: LogLevel;
  name: string;
  write?: (line: string) => void;
  bindings?: Record<string, unknown>;
}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const threshold = order[options.level];
  const bindings = { logger: options.name, ...options.bindings };
  const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (order[level] < threshold) return;
    // Masked field by field before serialising (a secret with a `"` or `\` in it would survive
    // as its JSON escape), then the line once more for whatever serialising produced.
    const record = maskedValue({ level, time: new Date().toISOString(), ...bindings, msg: message, ...fields });
    write(maskSecrets(JSON.stringify(record)));
  };
  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
    child: (more) => createLogger({ ...options, bindings: { ...options.bindings, ...more } }),
  };
}

/** A logger that drops everything (tests, library users who bring no logger). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
