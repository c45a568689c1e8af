/**
 * kafkajs 2.2.4 computes a negative setTimeout delay in its request queue, which Node 24
 * reports as a TimeoutNegativeWarning on every connection (the delay is clamped to 1 ms,
 * which is what kafkajs meant). Upstream: https://github.com/tulios/kafkajs/issues/1751.
 * We drop exactly that warning when kafkajs raised it, and let every other warning through.
 */
let installed = false;

export function silenceKafkajsTimeoutWarning(): void {
  if (installed) return;
  installed = true;
  const original = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const name = warning instanceof Error ? warning.name : type;
    if (name === 'TimeoutNegativeWarning' && new Error().stack?.includes('kafkajs')) return;
    original(warning, ...rest);
  });
}
