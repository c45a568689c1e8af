/** Structured logging: one JSON object per line on stderr, with secrets masked. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Values that must never reach a log line (API keys, passwords), registered at start-up. */
const secrets = new Set<string>();

/** Remembers a secret so that any log line containing it shows "[redacted]" instead. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) secrets.add(value);
}

/** Masks registered secrets in a string (also used for error messages that leave the process). */
export function maskSecrets(text: string): string {
  let masked = text;
  for (const secret of secrets) masked = masked.split(secret).join('[redacted]');
  return masked;
}

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
    const record = { level, time: new Date().toISOString(), ...bindings, msg: message, ...normalise(fields) };
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

function normalise(fields: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!fields) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? { type: value.name, message: value.message } : value;
  }
  return out;
}

/** A logger that drops everything (tests, library users who bring no logger). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
