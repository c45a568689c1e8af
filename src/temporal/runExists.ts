import { WorkflowNotFoundError, type Client } from '@temporalio/client';

/** Whether Temporal holds a run (running or closed, within retention) with this workflow id. */
export async function runExists(client: Client, workflowId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowId).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}
