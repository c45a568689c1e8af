import { DefaultLogger, Runtime, type LogLevel as TemporalLogLevel } from '@temporalio/worker';
import type { Logger } from '../../src/logging/logger';

let installed = false;

/**
 * Routes the Temporal SDK's own log lines (worker state, core) into our JSON logger, from
 * `minimum` up. Must run before the first worker or native connection is created.
 */
export function installTemporalRuntimeLogging(logger: Logger, minimum: TemporalLogLevel = 'WARN'): void {
  if (installed) return;
  installed = true;
  Runtime.install({
    logger: new DefaultLogger(minimum, (entry) => {
      const fields = { ...(entry.meta ?? {}), source: 'temporal-sdk' };
      if (entry.level === 'ERROR') logger.error(entry.message, fields);
      else if (entry.level === 'WARN') logger.warn(entry.message, fields);
      else if (entry.level === 'INFO') logger.info(entry.message, fields);
      else logger.debug(entry.message, fields);
    }),
  });
}
