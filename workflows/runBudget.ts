import { ApplicationFailure } from '@temporalio/workflow';
import type { CallAllowance, CallAllowances } from '../activities/callAllowances';
import type { CallBudget, Spend } from '../src/llm/callBudget';
import type { ResearchStage } from '../src/contracts/researchFailed';
import type { AgentUsage, ResearchUsage } from '../src/contracts/researchUsage';
import { budgetExceededType, type BudgetStop, type RunBudget } from '../src/contracts/runBudget';

export type { Spend } from '../src/llm/callBudget';

const noSpend: Spend = { tokens: 0, costUsd: 0 };

/**
 * The run's budget, kept by the workflow. Before each stage it compares what the run has spent
 * plus a conservative estimate of the stage with the budget, and stops the run when the budget
 * would be exceeded. Each agent activity it starts gets what is left as its limit, and checks
 * it before every model call after its first (a retry, a re-asked answer): a call that would
 * pass it is not made. The searches run in parallel, so each one is admitted on its own too,
 * and reserves its limit: beside others only while all of them could make every call their
 * attempts allow (`callsPerActivity` × its estimate), else alone with all that is left once
 * those running have ended. A search's estimate never falls below the largest search the run
 * has seen. So the limits never add up to more than the budget left, and the run passes its
 * budget only by what the last call of an activity cost beyond its estimate. Pure arithmetic on
 * what the history holds: replay decides the same.
 */
export class RunBudgetGuard {
  /** Set once the budget stopped the run: the estimate of what it did not start. */
  stop: BudgetStop | undefined;
  /** The searches running, each with the limit it reserved. */
  private readonly running = new Map<number, Spend>();
  private largestSearch: Spend = noSpend;

  private constructor(
    readonly limits: RunBudget,
    private readonly allowances: CallAllowances | undefined,
  ) {}

  /** Model calls one agent activity may make at most: answers per attempt × attempts. */
  private get callsPerActivity(): number {
    return this.allowances?.callsPerActivity ?? 1;
  }

  /**
   * False for a run whose settings were recorded before activities got call limits (0.4.0: no
   * `callsPerActivity`): it admits its searches as it did then — a search that does not fit
   * beside those running is refused, not made to wait — so its history replays, and its
   * searches get no call limit (one call's reservation would refuse their every retry).
   */
  get limitsCalls(): boolean {
    return this.allowances?.callsPerActivity !== undefined;
  }

  /**
   * The run's budget: the request's, each field it leaves out from the worker's default; none
   * when neither sets a limit (or the run started before budgets existed: `enabled` false).
   */
  static of(requested: RunBudget | undefined, fallback: RunBudget | undefined, allowances: CallAllowances | undefined, enabled: boolean): RunBudgetGuard | undefined {
    if (!enabled) return undefined;
    const maxCostUsd = requested?.maxCostUsd ?? fallback?.maxCostUsd;
    const maxTokens = requested?.maxTokens ?? fallback?.maxTokens;
    if (maxCostUsd === undefined && maxTokens === undefined) return undefined;
    return new RunBudgetGuard({ ...(maxCostUsd !== undefined ? { maxCostUsd } : {}), ...(maxTokens !== undefined ? { maxTokens } : {}) }, allowances);
  }

  planEstimate(query: string): Spend {
    return this.callEstimate('planner', query.length);
  }

  /** One search: its allowance, or the largest search seen so far if that cost more. */
  searchEstimate(search: { query: string; reason: string }): Spend {
    const allowed = this.callEstimate('searcher', search.query.length + search.reason.length);
    return { tokens: Math.max(allowed.tokens, this.largestSearch.tokens), costUsd: Math.max(allowed.costUsd, this.largestSearch.costUsd) };
  }

  writeEstimate(query: string, findings: readonly { query: string; summary: string }[]): Spend {
    return this.callEstimate('writer', query.length + findings.reduce((sum, finding) => sum + finding.query.length + finding.summary.length, 0));
  }

  /**
   * Before a stage: stops the run (BudgetExceededError) when spent + the stage's estimate pass
   * the budget; else the limit of its agent activity (plan and write run one call at a time),
   * `perCall` being one call's estimate.
   */
  checkStage(stage: ResearchStage, usage: ResearchUsage, estimate: Spend, perCall: Spend = estimate): CallBudget {
    const spent = spentOf(usage);
    if (!this.fits(spent, estimate)) throw this.exceeded(`the ${stage} stage`, spent, estimate);
    return { limit: this.left(spent), perCall };
  }

  /**
   * Before search `index` starts: its limit, reserved, when it may start now — every call it
   * may make (beside the reservations of those running), or else, once none runs, all that is
   * left; 'wait' until those running have ended; 'refuse' when even alone its first call does
   * not fit.
   */
  admitSearch(index: number, usage: ResearchUsage, estimate: Spend): CallBudget | 'wait' | 'refuse' {
    const spent = addSpend(spentOf(usage), [...this.running.values()].reduce(addSpend, noSpend));
    if (!this.limitsCalls) {
      if (!this.fits(spent, estimate)) return 'refuse';
      this.running.set(index, estimate);
      return { limit: this.limitOf(estimate), perCall: estimate };
    }
    const worst = { tokens: estimate.tokens * this.callsPerActivity, costUsd: estimate.costUsd * this.callsPerActivity };
    if (this.fits(spent, worst)) {
      this.running.set(index, worst);
      return { limit: this.limitOf(worst), perCall: estimate };
    }
    if (this.running.size > 0) return 'wait';
    if (!this.fits(spent, estimate)) return 'refuse';
    const left = this.left(spent);
    this.running.set(index, { tokens: left.tokens ?? worst.tokens, costUsd: left.costUsd ?? worst.costUsd });
    return { limit: left, perCall: estimate };
  }

  /** True while no admitted search is running. */
  get idle(): boolean {
    return this.running.size === 0;
  }

  /** A search ended: its reservation gives way to what it spent (already in the run's usage). */
  searchEnded(index: number, spent: AgentUsage | undefined): void {
    this.running.delete(index);
    if (spent) this.largestSearch = { tokens: Math.max(this.largestSearch.tokens, spent.inputTokens + spent.outputTokens), costUsd: Math.max(this.largestSearch.costUsd, spent.estimatedCostUsd) };
  }

  /** The failure that stops the run after a search was refused mid-stage (the searches in flight have ended). */
  searchRefused(number: number, of: number, usage: ResearchUsage, estimate: Spend): ApplicationFailure {
    return this.exceeded(`search ${number} of ${of}`, spentOf(usage), estimate);
  }

  /** What the budget leaves after `spent`, in the fields it limits. */
  private left(spent: Spend): Partial<Spend> {
    const { maxTokens, maxCostUsd } = this.limits;
    return {
      ...(maxTokens !== undefined ? { tokens: maxTokens - spent.tokens } : {}),
      ...(maxCostUsd !== undefined ? { costUsd: roundedUsd(maxCostUsd - spent.costUsd) } : {}),
    };
  }

  /** A reservation as an activity's limit: only the fields the budget limits. */
  private limitOf(reserved: Spend): Partial<Spend> {
    return {
      ...(this.limits.maxTokens !== undefined ? { tokens: reserved.tokens } : {}),
      ...(this.limits.maxCostUsd !== undefined ? { costUsd: reserved.costUsd } : {}),
    };
  }

  private fits(spent: Spend, estimate: Spend): boolean {
    const { maxTokens, maxCostUsd } = this.limits;
    if (maxTokens !== undefined && spent.tokens + estimate.tokens > maxTokens) return false;
    return maxCostUsd === undefined || microDollars(spent.costUsd + estimate.costUsd) <= microDollars(maxCostUsd);
  }

  private exceeded(what: string, spent: Spend, estimate: Spend): ApplicationFailure {
    this.stop = { estimatedTokens: estimate.tokens, estimatedCostUsd: roundedUsd(estimate.costUsd) };
    const message =
      `the run's budget (${describeLimits(this.limits)}) would be exceeded by ${what}: ` +
      `spent ${describeSpend(spent)}, ${what} estimated at ${describeSpend(estimate)}`;
    return ApplicationFailure.create({ type: budgetExceededType, message, nonRetryable: true });
  }

  private callEstimate(agent: 'planner' | 'searcher' | 'writer', variableChars: number): Spend {
    return this.allowances ? callEstimate(this.allowances, agent, variableChars) : noSpend;
  }
}

/** One call's estimate: its allowance's prompt and output, plus `variableChars` of input the workflow adds. */
export function callEstimate(allowances: CallAllowances, agent: 'planner' | 'searcher' | 'writer', variableChars: number): Spend {
  const allowance: CallAllowance = allowances[agent];
  const inputTokens = allowance.promptTokens + Math.ceil(variableChars / allowances.charsPerToken);
  return { tokens: inputTokens + allowance.outputTokens, costUsd: inputTokens * allowance.inputUsdPerToken + allowance.outputTokens * allowance.outputUsdPerToken };
}

/** Several estimates added up (a stage of searches). */
export function addSpend(a: Spend, b: Spend): Spend {
  return { tokens: a.tokens + b.tokens, costUsd: a.costUsd + b.costUsd };
}

function spentOf(usage: ResearchUsage): Spend {
  return { tokens: usage.total.inputTokens + usage.total.outputTokens, costUsd: usage.total.estimatedCostUsd };
}

const microDollars = (usd: number): number => Math.round(usd * 1e6);
const roundedUsd = (usd: number): number => microDollars(usd) / 1e6;

function describeLimits(limits: RunBudget): string {
  const parts = [limits.maxCostUsd !== undefined ? `at most $${limits.maxCostUsd}` : '', limits.maxTokens !== undefined ? `at most ${limits.maxTokens} tokens` : ''];
  return parts.filter((part) => part.length > 0).join(' and ');
}

function describeSpend(spend: Spend): string {
  return `$${roundedUsd(spend.costUsd)} / ${spend.tokens} tokens`;
}
