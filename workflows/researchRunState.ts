import type { ResearchStage } from '../src/contracts/researchFailed';
import type { AgentUsage, ResearchUsage } from '../src/contracts/researchUsage';
import type { ResearchProgress } from './researchProgress';
import { researchUsage, sumAgentUsage } from './usageTotals';

/**
 * What a run knows about itself as it goes: its stage, how its searches went, the usage of
 * every agent call so far and when each stage took place. The progress query reads it; the
 * result events are built from it.
 */
export class ResearchRunState {
  stage: ResearchStage = 'plan';
  outcome: 'done' | 'failed' | undefined;
  planned = 0;
  succeeded = 0;
  failed = 0;
  readonly startedAt = Date.now();
  readonly stageMs = { planMs: 0, searchMs: 0, writeMs: 0 };
  private plannerUsage: AgentUsage | undefined;
  private readonly searcherUsages: AgentUsage[] = [];
  private writerUsage: AgentUsage | undefined;
  private stageStartedAt = Date.now();
  /** Why the run is being cancelled, as the first cancel note said (see runCancelNoteSignal). */
  private cancelNote: { readonly reason: string | undefined } | undefined;

  constructor(private readonly traceId: string) {}

  /**
   * Records the cancel note that precedes a cancel request. The first note wins: a cancel sent
   * twice (or redelivered) must not change the reason of the one research.failed.
   */
  noteCancel(reason: string | undefined): void {
    this.cancelNote ??= { reason };
  }

  get cancelReason(): string | undefined {
    return this.cancelNote?.reason;
  }

  /** Starts the current stage's clock again (the stage's real work begins now). */
  restartStageClock(): void {
    this.stageStartedAt = Date.now();
  }

  /** Moves to the next stage and records how long the previous one took. */
  enter(stage: ResearchStage): void {
    const elapsed = Date.now() - this.stageStartedAt;
    if (this.stage === 'plan') this.stageMs.planMs = elapsed;
    if (this.stage === 'search') this.stageMs.searchMs = elapsed;
    if (this.stage === 'write') this.stageMs.writeMs = elapsed;
    this.stage = stage;
    this.stageStartedAt = Date.now();
  }

  recordPlanner(usage: AgentUsage, searches: number): void {
    this.plannerUsage = usage;
    this.planned = searches;
  }

  /** A search's outcome: its result's usage, or for a search that failed, what it spent (if anything). */
  recordSearch(usage: AgentUsage | undefined, failedUsage?: AgentUsage): void {
    if (usage) {
      this.succeeded += 1;
      this.searcherUsages.push(usage);
    } else {
      this.failed += 1;
      if (failedUsage) this.searcherUsages.push(failedUsage);
    }
  }

  /** What an agent that failed for good (planner or writer: the run fails with it) had spent. */
  recordFailedAgent(agent: 'planner' | 'writer', usage: AgentUsage): void {
    if (agent === 'planner') this.plannerUsage = sumAgentUsage([this.plannerUsage, usage].filter((part): part is AgentUsage => part !== undefined));
    else this.writerUsage = sumAgentUsage([this.writerUsage, usage].filter((part): part is AgentUsage => part !== undefined));
  }

  recordWriter(usage: AgentUsage): void {
    this.writerUsage = usage;
  }

  usage(): ResearchUsage {
    return researchUsage({ planner: this.plannerUsage, searcher: sumAgentUsage(this.searcherUsages), writer: this.writerUsage });
  }

  models(): { planner: string; searcher: string; writer: string } {
    return { planner: this.plannerUsage?.model ?? 'none', searcher: sumAgentUsage(this.searcherUsages)?.model ?? 'none', writer: this.writerUsage?.model ?? 'none' };
  }

  progress(): ResearchProgress {
    return { stage: this.outcome ?? this.stage, searchesPlanned: this.planned, searchesSucceeded: this.succeeded, searchesFailed: this.failed, traceId: this.traceId };
  }
}
