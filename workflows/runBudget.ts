import { ApplicationFailure } from '@temporalio/workflow';
import type { CallAllowance, CallAllowances } from '../activities/callAllowances';
import type { ResearchStage } from '../src/contracts/researchFailed';
import type { AgentUsage, ResearchUsage } from '../src/contracts/researchUsage';
import { budgetExceededType, type BudgetStop, type RunBudget } from '../src/contracts/runBudget';

/** Tokens and estimated USD: what a call or a stage is estimated to cost, or what was spent. */
export interface Spend {
  readonly tokens: number;
  readonly costUsd: number;
}

const noSpend: Spend = { tokens: 0, costUsd: 0 };

/**
 * The run's budget, kept by the workflow. Before each stage it compares what the run has spent
 * plus a conservative estimate of the stage with the budget, and stops the run when the budget
 * would be exceeded. The searches run in parallel, so each one is admitted on its own too:
 * spent + the estimates of the searches still running + its own estimate must fit, and a
 * search's estimate never falls below the largest search the run has seen. The run passes its
 * budget only by what admitted calls cost beyond their estimates. Pure arithmetic on what the
 * history holds: replay decides the same.
 */
export class RunBudgetGuard {
  /** Set once the budget stopped the run: the estimate of what it did not start. */
  stop: BudgetStop | undefined;
  private readonly running = new Map<number, Spend>();
  private largestSearch: Spend = noSpend;

  private constructor(
    readonly limits: RunBudget,
    private readonly allowances: CallAllowances | undefined,
  ) {}

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

  /** Before a stage: stops the run (BudgetExceededError) when spent + the stage's estimate pass the budget. */
  checkStage(stage: ResearchStage, usage: ResearchUsage, estimate: Spend): void {
    const spent = spentOf(usage);
    if (this.fits(spent, estimate)) return;
    throw this.exceeded(`the ${stage} stage`, spent, estimate);
  }

  /** Before search `index` starts: true, reserving its estimate, when it fits beside the searches still running. */
  admitSearch(index: number, usage: ResearchUsage, estimate: Spend): boolean {
    const spent = addSpend(spentOf(usage), [...this.running.values()].reduce(addSpend, noSpend));
    if (!this.fits(spent, estimate)) return false;
    this.running.set(index, estimate);
    return true;
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
