const exitCodes = { SIGINT: 130, SIGTERM: 143 } as const;
type TerminationSignal = keyof typeof exitCodes;

const cleanups = new Set<() => void>();

/**
 * Registers a synchronous cleanup (kill a child) that runs when this process exits, and on
 * SIGINT/SIGTERM when nobody else handles them: then the cleanups run and the process exits
 * 130/143 as it would have by default. A process with handlers of its own (the test runner, the
 * service, withInfra) keeps deciding how to shut down; the cleanup still runs at its exit.
 * Node's default SIGTERM skips exit listeners, hence the signal handlers.
 *
 * @example
 * const removeCleanup = addTerminationCleanup(() => child.kill('SIGKILL'));
 * child.once('exit', removeCleanup);
 */
export function addTerminationCleanup(cleanup: () => void): () => void {
  if (cleanups.size === 0) {
    process.on('exit', runCleanups);
    for (const signal of Object.keys(exitCodes) as TerminationSignal[]) process.on(signal, onSignal);
  }
  cleanups.add(cleanup);
  return () => {
    if (!cleanups.delete(cleanup) || cleanups.size > 0) return;
    process.removeListener('exit', runCleanups);
    for (const signal of Object.keys(exitCodes) as TerminationSignal[]) process.removeListener(signal, onSignal);
  };
}

function onSignal(signal: TerminationSignal): void {
  // Only ours: without it the signal would have ended the process, so end it, cleaned up.
  if (process.listenerCount(signal) === 1) process.exit(exitCodes[signal]);
}

function runCleanups(): void {
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // Already gone; the others still run.
    }
  }
}
