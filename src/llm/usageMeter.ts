import type { FailedAttemptsUsage } from '../contracts/researchUsage';

/**
 * Tokens spent on model calls whose answer was not used: answers that failed their schema,
 * calls abandoned by their client (a timeout, a cancellation) and whatever an activity attempt
 * that failed had spent. A provider bills these like any other call. `estimatedInputTokens` is
 * the part of `inputTokens` that is an estimate (see estimateInputTokens).
 */
export type SpentUsage = FailedAttemptsUsage;

export const noSpentUsage: SpentUsage = { calls: 0, inputTokens: 0, outputTokens: 0, estimatedInputTokens: 0 };

/** Adds two spent figures. */
export function addSpentUsage(a: SpentUsage, b: SpentUsage): SpentUsage {
  return {
    calls: a.calls + b.calls,
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    estimatedInputTokens: a.estimatedInputTokens + b.estimatedInputTokens,
  };
}

/** A spent figure from untrusted data (heartbeat details, failure details); undefined when it is not one. */
export function spentUsageFrom(value: unknown): SpentUsage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const count = (key: keyof SpentUsage): number | undefined => {
    const field = record[key];
    return typeof field === 'number' && Number.isInteger(field) && field >= 0 ? field : undefined;
  };
  const [calls, inputTokens, outputTokens, estimatedInputTokens] = [count('calls'), count('inputTokens'), count('outputTokens'), count('estimatedInputTokens')];
  if (calls === undefined || inputTokens === undefined || outputTokens === undefined || estimatedInputTokens === undefined) return undefined;
  return { calls, inputTokens, outputTokens, estimatedInputTokens };
}

/**
 * Roughly four characters per token, rounded up — the rule of thumb OpenAI documents for English.
 * Used only for calls that reported no usage; everything sent counts (instructions, input, schema).
 */
export function estimateInputTokens(texts: readonly string[]): number {
  return Math.ceil(texts.reduce((sum, text) => sum + text.length, 0) / 4);
}

/**
 * The model calls of one activity attempt, plus what earlier attempts of the same activity spent
 * (carried in), so that every billed token reaches the run's usage exactly once.
 */
export class UsageMeter {
  private failed: SpentUsage;
  private acceptedUsage: { inputTokens: number; outputTokens: number } | undefined;

  constructor(
    carried: SpentUsage = noSpentUsage,
    private readonly onChange: () => void = () => undefined,
  ) {
    this.failed = carried;
  }

  /** An answer came back but could not be used (it failed its schema). */
  rejected(usage: { inputTokens: number; outputTokens: number }): void {
    this.failed = addSpentUsage(this.failed, { calls: 1, ...usage, estimatedInputTokens: 0 });
    this.onChange();
  }

  /** A call was abandoned by its client before the answer (timeout, cancellation): usage estimated. */
  abandoned(estimatedInputTokens: number): void {
    this.failed = addSpentUsage(this.failed, { calls: 1, inputTokens: estimatedInputTokens, outputTokens: 0, estimatedInputTokens });
    this.onChange();
  }

  /** The answer the activity uses. */
  accepted(usage: { inputTokens: number; outputTokens: number }): void {
    this.acceptedUsage = usage;
    this.onChange();
  }

  /** Calls whose answers were not used, this attempt's and those carried in. */
  failedAttempts(): SpentUsage {
    return this.failed;
  }

  /** Everything spent, for an attempt that fails now: its accepted answer, if any, is wasted too. */
  spentWithoutResult(): SpentUsage {
    return this.acceptedUsage ? addSpentUsage(this.failed, { calls: 1, ...this.acceptedUsage, estimatedInputTokens: 0 }) : this.failed;
  }
}
