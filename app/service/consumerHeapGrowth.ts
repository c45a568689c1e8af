import v8 from 'node:v8';

/** How far V8 lets a consumer-only process's heap grow past what the last full collection kept, in %. */
export const consumerHeapGrowingPercent = 10;

const flagName = '--heap-growing-percent';

/**
 * The V8 flag a consumer-only process sets for itself, or undefined when node was already given
 * one (on its command line or in NODE_OPTIONS: the operator's choice stands).
 *
 * @example
 * consumerHeapGrowthFlag([], undefined); // '--heap-growing-percent=10'
 * consumerHeapGrowthFlag([], '--heap-growing-percent=50'); // undefined
 */
export function consumerHeapGrowthFlag(execArgv: readonly string[], nodeOptions: string | undefined): string | undefined {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].some((option) => option === flagName || option.startsWith(`${flagName}=`) || option.startsWith('--heap_growing_percent'));
  return given ? undefined : `${flagName}=${consumerHeapGrowingPercent}`;
}

/**
 * A consumer-only process keeps little alive (about 50 MiB of heap), but by V8's default lets its
 * heap grow to three or four times that between full collections while it drains a backlog:
 * 330 MiB RSS at 100,000 records. Growing it by 10 % instead held it at about 170 MiB, for more
 * frequent collections (the consumer's CPU per record rose by about a quarter; the drain is bound
 * by Temporal, not by the consumer). V8 reads this flag at each full collection, so it can be set
 * once the process runs. Not for a process with the worker: its workflow cache lives in the heap.
 * Returns the flag it set, for the log.
 */
export function growConsumerHeapSlowly(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS): string | undefined {
  const flag = consumerHeapGrowthFlag(execArgv, nodeOptions);
  if (flag) v8.setFlagsFromString(flag);
  return flag;
}
