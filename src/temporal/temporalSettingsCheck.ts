import { isGrpcServiceError, type Client } from '@temporalio/client';
import type { TemporalSettings } from '../config/relayConfig';
import { ConfigurationError } from '../errors';

/**
 * Asks Temporal once, at start-up, whether it accepts the configured namespace and task
 * queue. A setting it refuses would refuse every start: that is a configuration error to stop
 * on, never a reason to dead-letter requests one by one as `start-rejected`. Returns the
 * namespace's retention period: how long Temporal remembers a closed run (and so dedupes).
 */
export async function checkTemporalSettings(client: Client, settings: TemporalSettings): Promise<{ retentionMs: number | undefined }> {
  try {
    await client.workflowService.describeTaskQueue({ namespace: settings.namespace, taskQueue: { name: settings.taskQueue }, taskQueueType: 1 });
    const { config } = await client.workflowService.describeNamespace({ namespace: settings.namespace });
    const retention = config?.workflowExecutionRetentionTtl;
    // seconds is an int64 (a Long object): through its decimal text.
    return { retentionMs: retention?.seconds ? Number(String(retention.seconds)) * 1000 : undefined };
  } catch (error) {
    const grpc = isGrpcServiceError(error) ? error : undefined;
    // 3 INVALID_ARGUMENT (the task queue name), 5 NOT_FOUND (the namespace), 7/16 no permission.
    const variable = { 3: 'TEMPORAL_TASK_QUEUE', 5: 'TEMPORAL_NAMESPACE', 7: 'TEMPORAL_API_KEY', 16: 'TEMPORAL_API_KEY' }[Number(grpc?.code)];
    if (!grpc || !variable) throw error;
    throw new ConfigurationError(`invalid configuration:\n  ${variable}: Temporal at ${settings.address} refuses it: ${grpc.details || grpc.message}`, [variable], { cause: error });
  }
}
