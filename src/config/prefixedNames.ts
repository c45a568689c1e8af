/**
 * The variables that give one relay its own topics, consumer group, task queue and workflow
 * ids under a common prefix — so several relays (tests, benchmarks, teams) share one Kafka and
 * one Temporal without seeing each other's work.
 *
 * @example
 * loadRelayConfig({ ...process.env, ...prefixedNameVariables('team-a') });
 * // topics team-a.requested, team-a.completed, team-a.progress, team-a.cancel, …; group team-a-ingest; queue team-a-queue
 */
export function prefixedNameVariables(prefix: string): Record<string, string> {
  return {
    TOPIC_REQUESTED: `${prefix}.requested`,
    TOPIC_COMPLETED: `${prefix}.completed`,
    TOPIC_FAILED: `${prefix}.failed`,
    TOPIC_DLQ: `${prefix}.requested.dlq`,
    TOPIC_PROGRESS: `${prefix}.progress`,
    TOPIC_CANCEL: `${prefix}.cancel`,
    CONSUMER_GROUP_ID: `${prefix}-ingest`,
    TEMPORAL_TASK_QUEUE: `${prefix}-queue`,
    WORKFLOW_ID_PREFIX: `${prefix}-`,
  };
}
