import { isGrpcServiceError, type Client } from '@temporalio/client';
import type { TemporalSettings } from '../config/relayConfig';
import { ConfigurationError } from '../errors';

/**
 * Asks Temporal once, at start-up, whether it accepts the configured namespace and task
 * queue. A setting it refuses would refuse every start: that is a configuration error to stop
 * on, never a reason to dead-letter requests one by one as `start-rejected`.
 */
export async function checkTemporalSettings(client: Client, settings: TemporalSettings): Promise<void> {
  try {
    await client.workflowService.describeTaskQueue({ namespace: settings.namespace, taskQueue: { name: settings.taskQueue }, taskQueueType: 1 });
  } catch (error) {
    const grpc = isGrpcServiceError(error) ? error : undefined;
    // 3 INVALID_ARGUMENT (the task queue name), 5 NOT_FOUND (the namespace), 7/16 no permission.
    const variable = { 3: 'TEMPORAL_TASK_QUEUE', 5: 'TEMPORAL_NAMESPACE', 7: 'TEMPORAL_API_KEY', 16: 'TEMPORAL_API_KEY' }[Number(grpc?.code)];
    if (!grpc || !variable) throw error;
    throw new ConfigurationError(`invalid configuration:\n  ${variable}: Temporal at ${settings.address} refuses it: ${grpc.details || grpc.message}`, [variable], { cause: error });
  }
}
