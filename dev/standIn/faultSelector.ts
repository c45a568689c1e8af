import type { Fault, FaultMatch, FaultPlan } from './faultPlan';

/** What a fault rule can match on, taken from one model call. */
export interface FaultTarget {
  readonly path: string;
  readonly model: string;
  readonly formatName?: string;
  /** Instructions and input text together. */
  readonly text: string;
}

/**
 * Applies a fault plan call by call. Each rule counts the calls it matched, so
 * `[{status 429}, {status 429}]` means "the first two matching calls fail", whatever other
 * traffic the server sees in between. Replacing the plan resets every count.
 */
export class FaultSelector {
  private plan: FaultPlan;
  private counts: number[];

  constructor(plan: FaultPlan) {
    this.plan = plan;
    this.counts = plan.rules.map(() => 0);
  }

  /** Switches to a new plan; its rules start counting from zero. */
  replace(plan: FaultPlan): void {
    this.plan = plan;
    this.counts = plan.rules.map(() => 0);
  }

  /** The fault for this call, or undefined for a normal answer; advances the matching rule. */
  select(target: FaultTarget): Fault | undefined {
    const ruleIndex = this.plan.rules.findIndex((rule) => matches(rule.match, target));
    const rule = this.plan.rules[ruleIndex];
    if (rule === undefined) return undefined;
    const call = this.counts[ruleIndex] ?? 0;
    this.counts[ruleIndex] = call + 1;
    if (call < rule.sequence.length) return rule.sequence[call];
    return rule.repeat ? rule.sequence[call % rule.sequence.length] : undefined;
  }
}

function matches(match: FaultMatch | undefined, target: FaultTarget): boolean {
  if (match === undefined) return true;
  if (match.path !== undefined && match.path !== target.path && `/v1${match.path}` !== target.path) return false;
  if (match.model !== undefined && match.model !== target.model) return false;
  if (match.formatName !== undefined && match.formatName !== target.formatName) return false;
  if (match.inputIncludes !== undefined && !target.text.includes(match.inputIncludes)) return false;
  return true;
}
