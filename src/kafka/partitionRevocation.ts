/** kafkajs error types after which this member no longer owns the partitions it was given. */
const assignmentLostTypes = new Set(['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);

/** Whether a heartbeat or commit error says the group is rebalancing or dropped this member. */
export function losesAssignment(error: unknown): boolean {
  return typeof error === 'object' && error !== null && assignmentLostTypes.has(String((error as { type?: unknown }).type));
}

/**
 * One batch's ownership of its partition. A heartbeat answered with a rebalance (or with "who
 * are you?") revokes it: the batch's signal aborts — retry loops stop and in-flight Temporal
 * calls are cancelled — so the member rejoins the group at once instead of holding up the
 * whole group's rebalance while it retries records that another member is about to own.
 */
export class PartitionRevocation {
  private readonly controller = new AbortController();
  private cause: unknown;

  constructor(shutdown: AbortSignal) {
    this.signal = AbortSignal.any([shutdown, this.controller.signal]);
  }

  /** Aborts on shutdown or revocation. */
  readonly signal: AbortSignal;

  /** The rebalance error, once the partition was revoked. */
  get error(): unknown {
    return this.cause;
  }

  get revoked(): boolean {
    return this.controller.signal.aborted;
  }

  /** Heart-beats; an error that means the assignment is lost revokes the partition (others are left to kafkajs). */
  async heartbeat(beat: () => Promise<void>): Promise<void> {
    try {
      await beat();
    } catch (error) {
      if (!losesAssignment(error) || this.revoked) return;
      this.cause = error;
      this.controller.abort(error);
    }
  }
}
