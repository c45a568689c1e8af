import type { PhoenixSettings } from '../../src/config/phoenixSettings';
import { phoenixTraceLink } from '../../src/config/phoenixSettings';

/** Where a run's trace can be opened, if the backend has it. */
export interface PhoenixTraceLink {
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
 * const link = await phoenixLinkOfRun(config.phoenix, event.traceId, config.topics.requested);
 * if (link) console.log(`phoenix:  ${link.url}`);
 */
export async function phoenixLinkOfRun(phoenix: PhoenixSettings, traceId: string, requestTopic: string, timeouts = { relayMs: 5000, runMs: 15_000 }): Promise<PhoenixTraceLink | undefined> {
  const url = phoenixTraceLink(phoenix.url, traceId);
  const started = Date.now();
  let relayExportsHere = false;
  for (;;) {
    const held = await holdsSpan(phoenix, traceId, 'RunWorkflow:ResearchWorkflow');
    if (held === undefined) return undefined;
    if (held) return { url, ready: true };
    // The consumer's span left the relay when the run began: once it is in, the run's spans will follow.
    relayExportsHere ||= (await holdsSpan(phoenix, traceId, `${requestTopic} process`)) === true;
    const waited = Date.now() - started;
    if (!relayExportsHere && waited > timeouts.relayMs) return undefined;
    if (waited > timeouts.runMs) return { url, ready: false };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Whether Phoenix holds a span of this name in the trace; undefined when Phoenix does not answer. */
async function holdsSpan(phoenix: PhoenixSettings, traceId: string, name: string): Promise<boolean | undefined> {
  const query = new URLSearchParams({ trace_id: traceId, name, limit: '1' });
  try {
    const response = await fetch(`${phoenix.url}/v1/projects/${encodeURIComponent(phoenix.projectName)}/spans?${query.toString()}`, {
      headers: phoenix.apiKey ? { authorization: `Bearer ${phoenix.apiKey}` } : {},
      signal: AbortSignal.timeout(2000),
    });
    if (response.status === 404) return false; // the project appears with its first span
    if (!response.ok) return undefined;
    const page = (await response.json()) as { data?: unknown[] };
    return (page.data?.length ?? 0) > 0;
  } catch {
    return undefined;
  }
}
