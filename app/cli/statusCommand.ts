import { WorkflowNotFoundError, type WorkflowExecutionDescription } from '@temporalio/client';
import { priorityKeys } from '../../src/temporal/runPriority';
import { temporalUiLink } from '../../src/temporal/temporalUiLink';
import { workflowIdFor } from '../../src/temporal/workflowIds';
import { researchProgressQuery, type ResearchProgress } from '../../workflows/researchProgress';
import type { CliContext } from './cliContext';
import { commandArgs, positiveInteger } from './commandArgs';
import { UsageError } from './usageError';

export const statusUsage = `Usage: research-relay status <requestId> [options]

Shows a request's run: its state, current stage, searches, priority (2 live, 4 batch: a replay's)
and fairness key, trace id and Temporal UI link.

Options:
  --epoch N     the run of a rerun epoch (research-<id>~r<N>)
  --json        machine-readable output
  -h, --help`;

export async function statusCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = commandArgs(args, { epoch: { type: 'string' } }, statusUsage);
  if (values.help) {
    console.log(statusUsage);
    return 0;
  }
  const requestId = positionals[0];
  if (!requestId || positionals.length > 1) throw new UsageError('give exactly one request id', statusUsage);
  const epoch = positiveInteger(values.epoch, '--epoch', statusUsage);
  const workflowId = workflowIdFor(context.config.temporal.workflowIdPrefix, requestId, epoch);
  const client = await context.temporal();
  const handle = client.workflow.getHandle(workflowId);
  let description;
  try {
    description = await handle.describe();
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    if (values.json) console.log(JSON.stringify({ requestId, workflowId, found: false }));
    else console.error(`no run for request ${requestId} (workflow id ${workflowId})`);
    return 1;
  }
  const memo = description.memo ?? {};
  let progress: ResearchProgress | undefined;
  try {
    progress = await handle.query(researchProgressQuery);
  } catch {
    progress = undefined; // a closed run without a worker answers no queries; the state says enough
  }
  const status = {
    requestId,
    workflowId,
    runId: description.runId,
    state: description.status.name,
    stage: progress?.stage,
    searches: progress ? { planned: progress.searchesPlanned, succeeded: progress.searchesSucceeded, failed: progress.searchesFailed } : undefined,
    priority: priorityOf(description.priority),
    traceId: progress?.traceId ?? (typeof memo.traceId === 'string' ? memo.traceId : undefined),
    startedAt: description.startTime.toISOString(),
    closedAt: description.closeTime?.toISOString(),
    temporalUi: temporalUiLink(context.config.temporal.uiUrl, context.config.temporal.namespace, workflowId, description.runId),
  };
  if (values.json) {
    console.log(JSON.stringify(status));
    return 0;
  }
  console.log(
    [
      `${requestId}: ${status.state}${status.stage ? ` (stage ${status.stage})` : ''}`,
      status.searches ? `  searches: ${status.searches.succeeded} succeeded, ${status.searches.failed} failed of ${status.searches.planned} planned` : undefined,
      `  priority: ${describePriority(status.priority)}`,
      `  started:  ${status.startedAt}${status.closedAt ? `, closed ${status.closedAt}` : ''}`,
      `  trace id: ${status.traceId ?? 'unknown'}`,
      `  temporal: ${status.temporalUi}`,
    ]
      .filter((line) => line !== undefined)
      .join('\n'),
  );
  return 0;
}

interface RunPriorityStatus {
  /** 1 (first) to 5; 3 when the run was started without one. */
  readonly priorityKey: number;
  /** The tenant's key; absent for runs of the default tenant. */
  readonly fairnessKey?: string;
}

function priorityOf(priority: WorkflowExecutionDescription['priority']): RunPriorityStatus {
  const fairnessKey = priority?.fairnessKey;
  return { priorityKey: priority?.priorityKey || 3, ...(fairnessKey ? { fairnessKey } : {}) };
}

function describePriority({ priorityKey, fairnessKey }: RunPriorityStatus): string {
  const kind = priorityKey === priorityKeys.live ? ' (live)' : priorityKey === priorityKeys.batch ? ' (batch: a replay)' : '';
  return `${priorityKey}${kind}, fairness key ${fairnessKey === undefined ? '(default tenant)' : JSON.stringify(fairnessKey)}`;
}
