import { createPhoenixTraceReader, type PhoenixTraceReader } from '../../operator/traces/phoenixTraceReader';
import { runTraceId } from '../../operator/traces/runTraceId';
import { findRunTrace, waitForRunTrace, type RunTrace, type RunTraceQuery } from '../../operator/traces/runTraceLookup';
import { buildSpanTree, type SpanTree } from '../../operator/traces/spanTree';
import { spanTreeJson } from '../../operator/traces/traceJson';
import { renderWaterfall } from '../../operator/traces/traceWaterfall';
import { phoenixTraceLink } from '../../src/config/phoenixSettings';
import { requestIdSchema } from '../../src/contracts/requestId';
import { maskSecrets } from '../../src/logging/logger';
import { workflowIdFor } from '../../src/temporal/workflowIds';
import type { CliContext } from './cliContext';
import { commandArgs, positiveInteger } from './commandArgs';
import { ProgressBar } from './progressBar';
import { UsageError } from './usageError';

export const traceUsage = `Usage: research-relay trace <requestId> [options]

Shows a run's trace from Phoenix (PHOENIX_URL) as a waterfall: one bar per span on a shared
time axis, tokens and cost of each LLM call, and the totals. The run's trace is the one whose
spans carry the request id as session.id in the project PHOENIX_PROJECT_NAME, else the one
Temporal keeps in the run's memo.

Options:
  --epoch N        the run of a rerun epoch (research-<id>~r<N>), by the trace id in its memo
  --trace-id ID    show this trace (32 hex digits); the request id may then be left out
  --wait           wait until the trace is in Phoenix and has stopped growing (spans arrive a
                   few seconds after a run), with progress on stderr
  --timeout S      how long --wait waits, in seconds (default 120)
  --width N        characters per line (default: the terminal's width, else 100)
  --json           the span tree as JSON: ids, parents, kinds, times, tokens, costs, totals
  -h, --help`;

/** Settled: no new span for this long, longer than the OpenTelemetry batch exporter's 5 s delay. */
const settleMs = 6000;

interface TraceOptions {
  readonly requestId: string | undefined;
  readonly epoch: number | undefined;
  readonly traceId: string | undefined;
  readonly wait: boolean;
  readonly timeoutSeconds: number;
  readonly width: number;
  readonly json: boolean;
}

export async function traceCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = commandArgs(
    args,
    { epoch: { type: 'string' }, 'trace-id': { type: 'string' }, wait: { type: 'boolean' }, timeout: { type: 'string' }, width: { type: 'string' } },
    traceUsage,
  );
  if (values.help) {
    console.log(traceUsage);
    return 0;
  }
  const options = traceOptions(values, positionals);
  const { phoenix, temporal } = context.config;
  const reader = createPhoenixTraceReader(phoenix);
  const workflowId = workflowIdFor(temporal.workflowIdPrefix, options.requestId ?? '', options.epoch);
  const query: RunTraceQuery = {
    requestId: options.requestId ?? '',
    projectName: phoenix.projectName,
    ...(options.traceId ? { traceId: options.traceId } : {}),
    memoOnly: options.epoch !== undefined,
    runTraceId: () => runTraceId(() => context.temporal(), workflowId),
  };
  const interrupt = new AbortController();
  const found = options.wait ? await waitWithProgress(reader, query, options.timeoutSeconds, interrupt) : await findRunTrace(reader, query);
  if (found.kind === 'missing') {
    // The reason may quote Temporal's or Phoenix's error text: masked like every line the CLI prints.
    const reason = maskSecrets(found.reason);
    if (options.json) console.log(JSON.stringify({ requestId: options.requestId ?? null, found: false, reason }));
    else console.error(`${reason}${options.wait ? '' : '\n(spans reach Phoenix a few seconds after they end: --wait waits for them)'}`);
    return 1;
  }
  for (const note of found.notes) console.error(maskSecrets(note));
  if (found.settled === false) {
    console.error(interrupt.signal.aborted ? 'interrupted: showing the spans that have arrived; the run may not be complete' : `the trace was not complete when the ${options.timeoutSeconds} s of --timeout ran out: spans may be missing`);
  }
  const tree = buildSpanTree(found.spans);
  const link = phoenixTraceLink(phoenix.url, found.traceId);
  if (options.json) {
    const settled = found.settled === undefined ? {} : { settled: found.settled };
    console.log(JSON.stringify({ requestId: options.requestId ?? null, project: phoenix.projectName, foundBy: found.foundBy, link, ...settled, ...spanTreeJson(tree) }));
  } else console.log(waterfallText(tree, options, phoenix.projectName, link));
  return 0;
}

function traceOptions(values: { epoch?: string; 'trace-id'?: string; wait?: boolean; timeout?: string; width?: string; json?: boolean }, positionals: string[]): TraceOptions {
  const traceId = values['trace-id']?.toLowerCase();
  if (traceId !== undefined && !/^[0-9a-f]{32}$/.test(traceId)) throw new UsageError(`--trace-id must be 32 hex digits (got "${values['trace-id']}")`, traceUsage);
  const [requestId] = positionals;
  if (positionals.length > 1 || (requestId === undefined && traceId === undefined)) throw new UsageError('give exactly one request id (or --trace-id)', traceUsage);
  if (requestId !== undefined && !requestIdSchema.safeParse(requestId).success) throw new UsageError(`"${requestId}" is not a request id (1–200 letters, digits and . _ : -)`, traceUsage);
  const epoch = positiveInteger(values.epoch, '--epoch', traceUsage);
  if (epoch !== undefined && traceId !== undefined) throw new UsageError('--epoch and --trace-id both choose the trace: give one', traceUsage);
  if (epoch !== undefined && requestId === undefined) throw new UsageError('--epoch needs the request id', traceUsage);
  if (values.timeout !== undefined && !values.wait) throw new UsageError('--timeout goes with --wait', traceUsage);
  const width = positiveInteger(values.width, '--width', traceUsage) ?? (process.stdout.columns || 100);
  if (width < 40) throw new UsageError(`--width must be at least 40 (got ${width})`, traceUsage);
  return { requestId, epoch, traceId, wait: values.wait ?? false, timeoutSeconds: positiveInteger(values.timeout, '--timeout', traceUsage) ?? 120, width, json: values.json ?? false };
}

/** waitForRunTrace with a status line on stderr; Ctrl-C stops the wait and shows what is there. */
async function waitWithProgress(reader: PhoenixTraceReader, query: RunTraceQuery, timeoutSeconds: number, stop: AbortController): Promise<RunTrace> {
  const progress = new ProgressBar('trace:');
  const interrupt = (): void => stop.abort();
  process.once('SIGINT', interrupt);
  const what = query.traceId ? `trace ${query.traceId}` : `the trace of request ${query.requestId}`;
  try {
    const found = await waitForRunTrace(reader, query, {
      timeoutMs: timeoutSeconds * 1000,
      settleMs,
      signal: stop.signal,
      onProgress: (elapsedMs, spans) => {
        const state = spans === undefined ? 'not there yet' : `${spans} span${spans === 1 ? '' : 's'}, waiting for the run's last spans`;
        progress.show(`waiting for ${what} in Phoenix: ${state} (${Math.round(elapsedMs / 1000)} of ${timeoutSeconds} s)`);
      },
    });
    progress.show(found.kind === 'found' ? `${found.spans.length} spans read` : 'gave up', true);
    return found;
  } finally {
    process.removeListener('SIGINT', interrupt);
  }
}

function waterfallText(tree: SpanTree, options: TraceOptions, projectName: string, link: string): string {
  const request = options.requestId ? ` · request ${options.requestId}${options.epoch ? ` (epoch ${options.epoch})` : ''}` : '';
  const missing = tree.totals.parentsMissing;
  return [
    `trace ${tree.traceId}${request} · Phoenix project ${projectName}`,
    link,
    '',
    renderWaterfall(tree, { width: options.width }),
    ...(missing ? [`${missing} span${missing === 1 ? ' names a parent' : 's name parents'} Phoenix does not have (not exported, or not arrived yet): shown as roots`] : []),
  ].join('\n');
}
