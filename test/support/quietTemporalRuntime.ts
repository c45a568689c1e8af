import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

/** Keeps the worker's INFO chatter out of test output; errors still show (activity retries log warnings on purpose). */
export function installQuietTemporalRuntime(): void {
  if (installed) return;
  installed = true;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
}
