import v8 from 'node:v8';

/**
 * V8's flag for a consumer-only process's heap growth (CONSUMER_HEAP_GROWING_PERCENT), or
 * undefined for 0 (V8's own default). Set at run time because node refuses this V8 flag in
 * NODE_OPTIONS, and `npm start` runs node with flags of its own.
 *
 * @example
 * consumerHeapGrowthFlag(10); // '--heap-growing-percent=10'
 * consumerHeapGrowthFlag(0); // undefined
 * consumerHeapGrowthFlag(10, ['--heap-growing-percent=30']); // undefined: node was given one
 */
export function consumerHeapGrowthFlag(percent: number, execArgv: readonly string[] = []): string | undefined {
  // Node's own command line (a Docker CMD, say) says it already: that value stands.
  if (execArgv.some((option) => /^--heap[-_]growing[-_]percent(=|$)/.test(option))) return undefined;
  return percent > 0 ? `--heap-growing-percent=${percent}` : undefined;
}

/**
 * A consumer-only process keeps little alive (about 50 MiB of heap), but by V8's default lets its
 * heap grow to three or four times that between full collections while it drains a backlog:
 * 330 MiB RSS at 100,000 records. Growing it by 10 % instead held it at about 150-170 MiB, for
 * more frequent collections (the drain is bound by Temporal, not by the consumer's CPU). V8 reads
 * this flag each time it sets the heap's next limit, so it can be set once the process runs. Not
 * for a process with the worker: its workflow cache lives in the heap. Returns the flag it set.
 */
export function growConsumerHeapSlowly(percent: number, execArgv: readonly string[] = process.execArgv): string | undefined {
  const flag = consumerHeapGrowthFlag(percent, execArgv);
  if (flag) v8.setFlagsFromString(flag);
  return flag;
}
