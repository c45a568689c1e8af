import type { Priority } from '@temporalio/common';
import { workflowInfo } from '@temporalio/workflow';

/** The key Temporal gives a run started without one (1 is taken first, 5 last). */
const defaultPriorityKey = 3;

/**
 * The priority of a run's activities once it has begun (everything after its planner): one
 * key ahead of the run's own, its fairness as the run's. Temporal then finishes the runs it
 * has begun before it begins new ones of the same urgency: with a backlog, runs complete one
 * after another instead of all advancing a step at a time together — none finishing for
 * minutes while each step waits behind the whole backlog's (what eager activities used to
 * hide, before they went for priority's sake). A replayed run's later steps (key 3) still
 * wait for every live run's first (key 2).
 */
export function begunRunPriority(): Priority {
  const own = workflowInfo().priority ?? {};
  return { ...own, priorityKey: Math.max(1, (own.priorityKey || defaultPriorityKey) - 1) };
}
