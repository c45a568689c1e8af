import { Client, Connection } from '@temporalio/client';

/** One workflow run as Temporal's visibility lists it. */
export interface SeenRun {
  readonly workflowId: string;
  readonly runId: string;
  readonly open: boolean;
}

/**
 * Every run whose workflow id starts with the prefix, through a connection of its own (the
 * server may have just restarted). Throws when Temporal is away; the caller tries again.
 */
export async function listRuns(address: string, workflowIdPrefix: string, namespace = 'default'): Promise<SeenRun[]> {
  const connection = await Connection.connect({ address, connectTimeout: 2000 });
  try {
    const client = new Client({ connection, namespace });
    const runs: SeenRun[] = [];
    for await (const run of client.workflow.list({ query: `WorkflowId STARTS_WITH "${workflowIdPrefix}"` })) {
      runs.push({ workflowId: run.workflowId, runId: run.runId, open: run.status.name === 'RUNNING' });
    }
    return runs;
  } finally {
    await connection.close().catch(() => undefined);
  }
}
