import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Where one run's time to result went, in milliseconds, from its history. */
export interface RunTimeBreakdown {
  /** Request sent → the run started (the consumer's ingest and Temporal's start). */
  readonly start: number;
  /** Workflow tasks waiting in the task queue (scheduled → started), summed. */
  readonly workflowTaskWait: number;
  /** Workflow tasks on the worker (started → completed), summed. */
  readonly workflowTaskWork: number;
  /** Activities waiting in the task queue (scheduled → started), summed. */
  readonly activityWait: number;
  /** Activities running (started → completed), summed: the model calls, the publish. */
  readonly activityWork: number;
}

export const breakdownParts: readonly (keyof RunTimeBreakdown)[] = ['start', 'workflowTaskWait', 'workflowTaskWork', 'activityWait', 'activityWork'];

function millis(event: HistoryEvent | undefined): number {
  const time = event?.eventTime;
  return time ? Number(time.seconds) * 1000 + (time.nanos ?? 0) / 1e6 : Number.NaN;
}

/** Sums started-or-completed minus the event each refers to (by `scheduledEventId` / `startedEventId`). */
function spans(events: readonly HistoryEvent[], type: temporal.api.enums.v1.EventType, from: (event: HistoryEvent) => unknown): number {
  const byId = new Map(events.map((event) => [String(event.eventId), event] as const));
  return events.filter((event) => event.eventType === type).reduce((sum, event) => sum + millis(event) - millis(byId.get(String(from(event)))), 0);
}

/**
 * Where a run's time went: how long its tasks waited in Temporal's task queues — what priority
 * shortens — against how long they took. Tasks of one run can overlap (a workflow task while an
 * activity runs), so the parts need not add up to the time to result.
 */
export async function runTimeBreakdown(client: Client, workflowId: string, sentAt: number): Promise<RunTimeBreakdown> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const started = millis(events.find((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED));
  return {
    start: started - sentAt,
    workflowTaskWait: spans(events, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, (event) => event.workflowTaskStartedEventAttributes?.scheduledEventId),
    workflowTaskWork: spans(events, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, (event) => event.workflowTaskCompletedEventAttributes?.startedEventId),
    activityWait: spans(events, EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED, (event) => event.activityTaskStartedEventAttributes?.scheduledEventId),
    activityWork: spans(events, EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, (event) => event.activityTaskCompletedEventAttributes?.startedEventId),
  };
}
