import type { Fault, FaultPlan } from '../standIn';
import { createSeededRandom } from '../standIn/seededRandom';

/** The client timeout the storm's `delay` faults outlast (the relay's OPENAI_TIMEOUT_MS in the chaos run). */
export const stormClientTimeoutMs = 3000;

/** One of each fault the storm serves: throttling with Retry-After, a server error, a timeout, broken JSON. */
const stormFaults: readonly Fault[] = [
  { kind: 'status', status: 429, retryAfterSeconds: 1 },
  { kind: 'status', status: 500 },
  { kind: 'delay', ms: stormClientTimeoutMs + 1500 },
  { kind: 'malformed' },
];

/**
 * A fault plan where `percent` of all model calls get a fault, the four kinds in equal share,
 * at positions shuffled by the seed (the same seed gives the same storm). The plan repeats a
 * cycle of 40 calls (at 30 %: three of each kind), so the share holds from the first call to the last.
 */
export function modelFaultStorm(seed: string, percent = 30): FaultPlan {
  const cycle = 40;
  const faulty = Math.round((cycle * percent) / 100);
  const sequence: Fault[] = Array.from({ length: cycle }, (_, index) => (index < faulty ? (stormFaults[index % stormFaults.length] as Fault) : { kind: 'ok' }));
  const random = createSeededRandom(`chaos-storm:${seed}`);
  for (let index = sequence.length - 1; index > 0; index -= 1) {
    const other = random.int(0, index);
    [sequence[index], sequence[other]] = [sequence[other] as Fault, sequence[index] as Fault];
  }
  return { rules: [{ sequence, repeat: true }] };
}
