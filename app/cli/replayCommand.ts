import { replayRequests, type ReplayMode } from '../../operator/replay/requestReplay';
import { parseWhere } from '../../operator/replay/replayFilter';
import { parseReplayBound } from '../../operator/replay/replayRange';
import type { CliContext } from './cliContext';
import { commandArgs, positiveInteger } from './commandArgs';
import { ProgressBar } from './progressBar';
import { UsageError } from './usageError';

export const replayUsage = `Usage: research-relay replay --from <beginning | ISO time | partition:offset,...> [options]

Replays a range of research.requested for batch research, with a consumer group of its own
(the live group's offsets never move). Runs start idempotently, as batch work: Temporal
priority 4, so live requests' tasks take free worker slots first, and tenants take turns
(FAIRNESS_KEY_FIELD). research.cancel events in the range are counted and skipped: a replay
never cancels a run.

Options:
  --from BOUND            where to start: beginning, an ISO time, or partition:offset,...
  --to BOUND              where to stop (default: the end of each partition now)
  --where metadata.K=V    only requests whose metadata matches (repeatable; all must match)
  --mode MODE             skip-existing (default: never a second run for a request) or
                          rerun (fresh runs research-<id>~r<epoch>; results carry the epoch)
  --epoch N               the rerun epoch (default: a number derived from the replay id)
  --dry-run               count what would happen; start, write and commit nothing
  --rate N/s              at most N starts per second
  --max-open N            at most N of the replay's runs open at once: a start waits for one
                          to close, so the replay keeps pace with the workers and builds no
                          backlog in front of live requests (default 200; 'unlimited': start
                          them all, e.g. while no worker runs)
  --concurrency N         starts in flight at once (default 16)
  --replay-id ID          name the replay; run again with the same id to resume it
  --json                  print the summary as JSON
  -h, --help`;

export async function replayCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = commandArgs(
    args,
    {
      from: { type: 'string' },
      to: { type: 'string' },
      where: { type: 'string', multiple: true },
      mode: { type: 'string' },
      epoch: { type: 'string' },
      'dry-run': { type: 'boolean' },
      rate: { type: 'string' },
      'max-open': { type: 'string' },
      concurrency: { type: 'string' },
      'replay-id': { type: 'string' },
    },
    replayUsage,
  );
  if (values.help) {
    console.log(replayUsage);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, replayUsage);
  if (!values.from && !values['replay-id']) throw new UsageError('--from is required (or --replay-id to resume a replay)', replayUsage);
  const mode = (values.mode ?? 'skip-existing') as ReplayMode;
  if (!['skip-existing', 'rerun'].includes(mode)) throw new UsageError(`--mode must be skip-existing or rerun (got "${values.mode}")`, replayUsage);
  let from;
  let to;
  try {
    from = values.from ? parseReplayBound(values.from, '--from') : undefined;
    to = values.to ? parseReplayBound(values.to, '--to') : undefined;
    parseWhere(values.where ?? []);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), replayUsage);
  }
  const epoch = positiveInteger(values.epoch, '--epoch', replayUsage);
  const pacing = replayPacing(values);
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  const bar = new ProgressBar(values['dry-run'] ? 'replay (dry run)' : 'replay');
  const summary = await replayRequests({
    kafka: context.kafka(),
    temporal: await context.temporal(),
    config: context.config,
    logger: context.logger,
    mode,
    signal: stop.signal,
    dryRun: values['dry-run'] ?? false,
    ...(values['replay-id'] ? { replayId: values['replay-id'] } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(values.where ? { where: values.where } : {}),
    ...(epoch !== undefined ? { epoch } : {}),
    ...pacing,
    onProgress: (p) =>
      bar.update(p.processed, p.total, p.perSecond, p.etaSeconds, `${p.open !== undefined ? `open ${p.open} ` : ''}started ${p.started} existing ${p.existing} invalid ${p.invalid} filtered ${p.filtered} cancels ${p.cancels} errors ${p.errors}`),
  });
  bar.update(summary.started + summary.existing + summary.invalid + summary.filtered + summary.cancels + summary.errors, summary.total, 0, 0, 'done', true);
  if (values.json) {
    console.log(JSON.stringify({ ...summary, interrupted: stop.signal.aborted }));
  } else {
    console.log(
      [
        `replay ${summary.replayId}${summary.resumed ? ' (resumed)' : ''}${summary.dryRun ? ' — dry run, nothing changed' : ''}${stop.signal.aborted ? ' — interrupted; run again with --replay-id to resume' : ''}`,
        `  mode:       ${summary.mode}${summary.epoch !== undefined ? ` (epoch ${summary.epoch})` : ''}`,
        `  requests:   ${summary.total} in range, ${(summary.durationMs / 1000).toFixed(1)} s`,
        `  ${(summary.dryRun ? 'would start:' : 'started:').padEnd(12)}${summary.started}`,
        `  existing:   ${summary.existing}`,
        `  invalid:    ${summary.invalid} (not requests; live ingest dead-letters them, replay writes no second letter)`,
        `  filtered:   ${summary.filtered}`,
        `  cancels:    ${summary.cancels} (research.cancel events: never replayed)`,
        `  errors:     ${summary.errors}`,
        ...summary.errorDetails.slice(0, 10).map((e) => `    ${e.location.partition}:${e.location.offset} ${e.message}`),
      ].join('\n'),
    );
  }
  return summary.errors > 0 ? 1 : 0;
}

/** --rate, --concurrency and --max-open: how fast the replay may go. */
function replayPacing(values: { rate?: string; concurrency?: string; 'max-open'?: string }): { ratePerSecond?: number; concurrency?: number; maxOpenRuns?: number } {
  const rateMatch = values.rate === undefined ? undefined : /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(values.rate);
  if (values.rate !== undefined && !rateMatch) throw new UsageError(`--rate must look like 50/s (got "${values.rate}")`, replayUsage);
  const concurrency = positiveInteger(values.concurrency, '--concurrency', replayUsage);
  const maxOpen = values['max-open'];
  if (maxOpen !== undefined && maxOpen !== 'unlimited' && !/^[1-9]\d*$/.test(maxOpen)) throw new UsageError(`--max-open must be a positive whole number or unlimited (got "${maxOpen}")`, replayUsage);
  const maxOpenRuns = maxOpen === 'unlimited' ? Number.POSITIVE_INFINITY : positiveInteger(maxOpen, '--max-open', replayUsage);
  return {
    ...(rateMatch?.[1] ? { ratePerSecond: Number(rateMatch[1]) } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(maxOpenRuns !== undefined ? { maxOpenRuns } : {}),
  };
}
