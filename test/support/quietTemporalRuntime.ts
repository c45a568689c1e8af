import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

/** Keeps the worker's INFO chatter out of test output; warnings and errors still show. */
export function installQuietTemporalRuntime(): void {
  if (installed) return;
  installed = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}
