import { phoenixTraceLink, type PhoenixSettings } from '../../src/config/phoenixSettings';
import { createPhoenixTraceReader, type PhoenixTraceReader } from './phoenixTraceReader';

/** Where a run's trace can be opened, if the backend has it. */
export interface RunTraceLink {
  readonly url: string;
  /** Phoenix already holds the run's workflow span (false: the link may open an incomplete trace for a few seconds). */
  readonly ready: boolean;
}

/**
 * The Phoenix link of a finished run's trace, once Phoenix holds the run's workflow span (spans
 * reach it a second or two after the result). Undefined when no Phoenix answers at PHOENIX_URL,
 * or when within a few seconds it holds no consumer span of the trace (the relay's spans go
 * elsewhere, or nowhere): nobody is sent to a dead or empty page.
 *
 * @example
 * const link = await runTraceLink(config.phoenix, event.traceId, config.topics.requested);
 * if (link) console.log(`phoenix:  ${link.url}`);
 */
export async function runTraceLink(phoenix: PhoenixSettings, traceId: string, requestTopic: string, timeouts = { relayMs: 5000, runMs: 15_000 }): Promise<RunTraceLink | undefined> {
  const reader = createPhoenixTraceReader(phoenix, { timeoutMs: 2000 });
  const url = phoenixTraceLink(phoenix.url, traceId);
  const started = Date.now();
  for (;;) {
    const names = await spanNames(reader, traceId);
    if (names === undefined) return undefined;
    if (names.has('RunWorkflow:ResearchWorkflow')) return { url, ready: true };
    // The consumer's span left the relay when the run began: once it is in, the run's spans follow.
    const relayExportsHere = names.has(`${requestTopic} process`);
    const waited = Date.now() - started;
    if (!relayExportsHere && waited > timeouts.relayMs) return undefined;
    if (waited > timeouts.runMs) return { url, ready: false };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The names of the trace's spans in Phoenix (none yet: an empty set); undefined when Phoenix does not answer. */
async function spanNames(reader: PhoenixTraceReader, traceId: string): Promise<Set<string> | undefined> {
  try {
    return new Set((await reader.spansOfTrace(traceId))?.map((span) => span.name));
  } catch {
    // A link is a courtesy: whatever goes wrong on the way to Phoenix, the command's result stands.
    return undefined;
  }
}
