/** How big a chaos run is: `small` for `npm test`, `full` for `npm run chaos`. */
export interface ChaosScale {
  readonly name: 'small' | 'full';
  /** Good requests per scenario (scenarios 1–4, 6, 7, 9–13). */
  readonly requests: number;
  /** Good requests and, as many again, poison records in scenario 5; the good requests among the hostile ones in 8. */
  readonly mixed: number;
  /** Records per second when a scenario produces steadily (3, 4, 7; at most, in 9–13, which spread their records over the fault). */
  readonly ratePerSecond: number;
  /** How long after the last fault a scenario may take to account for every record. */
  readonly drainDeadlineMs: number;
}

export const chaosScales: Readonly<Record<ChaosScale['name'], ChaosScale>> = {
  small: { name: 'small', requests: 30, mixed: 18, ratePerSecond: 6, drainDeadlineMs: 150_000 },
  full: { name: 'full', requests: 300, mixed: 1000, ratePerSecond: 10, drainDeadlineMs: 600_000 },
};

/** A scale by name, with the counts overridable (`CHAOS_REQUESTS`, `CHAOS_MIXED`, `CHAOS_RATE`). */
export function chaosScale(name: ChaosScale['name'], env: NodeJS.ProcessEnv = process.env): ChaosScale {
  const base = chaosScales[name];
  const number = (value: string | undefined, fallback: number): number => (value && /^\d+$/.test(value) && Number(value) > 0 ? Number(value) : fallback);
  return {
    ...base,
    requests: number(env.CHAOS_REQUESTS, base.requests),
    mixed: number(env.CHAOS_MIXED, base.mixed),
    ratePerSecond: number(env.CHAOS_RATE, base.ratePerSecond),
  };
}
