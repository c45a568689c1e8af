/**
 * Proves that a worker polls the task queue and runs workflow code: returns what it was
 * given. `research-relay doctor` and the infrastructure tests start it.
 */
export async function workerProbeWorkflow(message: string): Promise<string> {
  return Promise.resolve(`probe:${message}`);
}
