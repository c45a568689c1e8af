import { researchRequestedSchema } from '../../src/contracts/researchRequested';
import { createResearchClient, type ResearchClient, type SentRequest } from '../../src/client/researchClient';
import type { ResultEvent } from '../../src/client/resultEvent';
import { runBudgetMaxima, type RunBudget } from '../../src/contracts/runBudget';
import { activeTelemetry } from '../../src/telemetry/telemetry';
import { temporalUiLink } from '../../src/temporal/temporalUiLink';
import type { CliContext } from './cliContext';
import { commandArgs, positiveInteger } from './commandArgs';
import { runTraceLink } from '../../operator/traces/runTraceLink';
import { RunProgressBoard } from './runProgressBoard';
import { findRunOfSentRequest } from './sentRequestRun';
import { UsageError } from './usageError';

export const requestUsage = `Usage: research-relay request "<query>" [options]

Produces a research request (with a W3C traceparent) to the requests topic.

Options:
  --id ID                 request id (default: a new UUID); sending an id again never starts a second run
  --metadata KEY=VALUE    metadata entry (repeatable)
  --max-searches N        cap the searches (1–20)
  --requested-by WHO      who asked
  --traceparent TP        continue this W3C trace
  --max-cost-usd USD      the run's budget in estimated USD (default: BUDGET_MAX_COST_USD of the service)
  --max-tokens N          the run's budget in tokens, input + output (default: BUDGET_MAX_TOKENS of the service)
  --wait                  wait for the result of the run that takes this request and print it, with a
                          live progress bar on stderr (plan, each search, write; tokens and cost so far)
  --timeout SECONDS       with --wait, give up after this long (default 900)
  --json                  machine-readable output
  -h, --help`;

export async function requestCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = commandArgs(
    args,
    {
      id: { type: 'string' },
      metadata: { type: 'string', multiple: true },
      'max-searches': { type: 'string' },
      'requested-by': { type: 'string' },
      traceparent: { type: 'string' },
      'max-cost-usd': { type: 'string' },
      'max-tokens': { type: 'string' },
      wait: { type: 'boolean' },
      timeout: { type: 'string' },
    },
    requestUsage,
  );
  if (values.help) {
    console.log(requestUsage);
    return 0;
  }
  const query = positionals.join(' ').trim();
  if (!query) throw new UsageError('the query is missing', requestUsage);
  const metadata: Record<string, string> = {};
  for (const entry of values.metadata ?? []) {
    const at = entry.indexOf('=');
    if (at < 1) throw new UsageError(`--metadata "${entry}" is not KEY=VALUE`, requestUsage);
    metadata[entry.slice(0, at)] = entry.slice(at + 1);
  }
  const maxSearches = positiveInteger(values['max-searches'], '--max-searches', requestUsage);
  const searchLimit = researchRequestedSchema.shape.maxSearches.unwrap().maxValue ?? Infinity;
  if (maxSearches !== undefined && maxSearches > searchLimit) throw new UsageError(`--max-searches must be from 1 to ${searchLimit} (got "${values['max-searches']}")`, requestUsage);
  const budget = budgetFlags(values['max-cost-usd'], values['max-tokens']);
  const timeoutSeconds = positiveInteger(values.timeout, '--timeout', requestUsage) ?? 900;
  const client = createResearchClient({ kafka: context.kafka(), topics: context.config.topics });
  try {
    const sent = await client.request({
      query,
      ...(values.id ? { requestId: values.id } : {}),
      ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
      ...(maxSearches !== undefined ? { maxSearches } : {}),
      ...(values['requested-by'] ? { requestedBy: values['requested-by'] } : {}),
      ...(values.traceparent ? { traceparent: values.traceparent } : {}),
      ...(budget ? { budget } : {}),
    });
    if (!values.wait) {
      if (values.json) console.log(JSON.stringify(sent));
      else console.log(`request ${sent.requestId} sent to ${sent.topic}[${sent.partition}]@${sent.offset} (trace ${sent.traceId})`);
      return 0;
    }
    return await waitForRunResult(client, sent, context, { json: values.json === true, timeoutMs: timeoutSeconds * 1000 });
  } finally {
    await client.close();
  }
}

/** `--wait`: finds the run that took the request, then waits for that run's result — not an older run's. */
async function waitForRunResult(client: ResearchClient, sent: SentRequest, context: CliContext, options: { json: boolean; timeoutMs: number }): Promise<number> {
  const say = (text: string): void => void (options.json ? undefined : console.error(text));
  say(`request ${sent.requestId} sent (trace ${sent.traceId}); waiting for the relay to take it…`);
  const deadline = Date.now() + options.timeoutMs;
  const signal = AbortSignal.timeout(options.timeoutMs);
  const { temporal: temporalSettings, consumerGroupId } = context.config;
  const fate = await findRunOfSentRequest(sent, { temporal: await context.temporal(), kafka: context.kafka(), workflowIdPrefix: temporalSettings.workflowIdPrefix, consumerGroupId, signal });
  if (fate.kind === 'not-started') {
    if (options.json) console.log(JSON.stringify({ ...sent, result: { kind: 'not-started' } }));
    else console.error(`request ${sent.requestId} started no run: it was dead-lettered (see research-relay dlq list --where key=${sent.requestId})`);
    return 1;
  }
  say(fate.kind === 'started' ? `run ${fate.runId} started; waiting for its result…` : `the request id already has run ${fate.runId}; waiting for that run's result…`);
  // The bar on stderr, beside the messages above; the result goes to stdout.
  const board = options.json ? undefined : new RunProgressBoard(process.stderr, () => 'progress');
  board?.waiting({ requestId: sent.requestId, workflowId: fate.workflowId, runId: fate.runId });
  const result = await client
    .waitForResult(sent.requestId, { runId: fate.runId, timeoutMs: Math.max(1000, deadline - Date.now()), ...(board ? { onProgress: (progress) => board.progress(progress) } : {}) })
    .catch((error: unknown) => {
      board?.close();
      throw error;
    });
  // The run's last step follows its result on another topic: the bar ends from the result.
  board?.settle(result);
  if (!options.json) console.log(describeResult(result, context));
  // This command's own spans (the trace's root) go out first, then the link, once Phoenix holds the run.
  await activeTelemetry().flush();
  const phoenix = await runTraceLink(context.config.phoenix, result.event.traceId, context.config.topics.requested);
  if (options.json) console.log(JSON.stringify({ ...sent, run: fate, result: { kind: result.kind, event: result.event }, ...(phoenix ? { phoenixTraceUrl: phoenix.url } : {}) }));
  else if (phoenix) console.log(`  phoenix:  ${phoenix.url}${phoenix.ready ? '' : ' (the trace is still arriving)'}`);
  return result.kind === 'completed' ? 0 : 1;
}

/** `--max-cost-usd` / `--max-tokens` as a budget (none when neither is given). */
function budgetFlags(maxCostUsd: string | undefined, maxTokens: string | undefined): RunBudget | undefined {
  if (maxCostUsd === undefined && maxTokens === undefined) return undefined;
  const cost = maxCostUsd === undefined ? undefined : Number(maxCostUsd);
  if (cost !== undefined && !(Number.isFinite(cost) && cost > 0)) throw new UsageError(`--max-cost-usd must be a positive number of dollars (got "${maxCostUsd}")`, requestUsage);
  const tokens = positiveInteger(maxTokens, '--max-tokens', requestUsage);
  // Past what a request may carry: said here, with the flag, rather than as the request's schema error.
  if (cost !== undefined && cost > runBudgetMaxima.maxCostUsd) throw new UsageError(`--max-cost-usd must be at most ${runBudgetMaxima.maxCostUsd} (got "${maxCostUsd}")`, requestUsage);
  if (tokens !== undefined && tokens > runBudgetMaxima.maxTokens) throw new UsageError(`--max-tokens must be at most ${runBudgetMaxima.maxTokens} (got "${maxTokens}")`, requestUsage);
  return { ...(cost !== undefined ? { maxCostUsd: cost } : {}), ...(tokens !== undefined ? { maxTokens: tokens } : {}) };
}

/** A result event for people: what came out, what it cost, where to look. */
export function describeResult(result: ResultEvent, context: CliContext): string {
  const link = temporalUiLink(context.config.temporal.uiUrl, context.config.temporal.namespace, result.event.workflowId, result.event.runId);
  if (result.kind === 'failed') {
    const event = result.event;
    return [
      `research.failed  ${event.requestId}${event.epoch ? ` (epoch ${event.epoch})` : ''}`,
      `  stage:    ${event.stage}${event.cancelled ? ' (cancelled)' : ''}`,
      `  error:    ${event.error.type}: ${event.error.message}`,
      `  usage:    ${usageText(event.usage.total)}`,
      ...budgetLines(event.budget),
      `  trace id: ${event.traceId}`,
      `  temporal: ${link}`,
    ].join('\n');
  }
  const event = result.event;
  const succeeded = event.searches.filter((search) => search.succeeded).length;
  return [
    `research.completed  ${event.requestId}${event.epoch ? ` (epoch ${event.epoch})` : ''}`,
    `  summary:  ${event.report.shortSummary}`,
    `  searches: ${succeeded}/${event.searches.length} succeeded (${event.searchProvider})`,
    `  report:   ${event.report.markdownReport.split(/\s+/).length} words; follow-ups: ${event.report.followUpQuestions.length}`,
    `  models:   ${event.models.planner} / ${event.models.searcher} / ${event.models.writer}`,
    `  usage:    ${usageText(event.usage.total)}`,
    ...budgetLines(event.budget),
    `  took:     ${(event.timings.durationMs / 1000).toFixed(1)} s`,
    `  trace id: ${event.traceId}`,
    `  temporal: ${link}`,
  ].join('\n');
}

function usageText(total: { inputTokens: number; outputTokens: number; estimatedCostUsd: number }): string {
  return `${total.inputTokens} in + ${total.outputTokens} out tokens, ~$${total.estimatedCostUsd.toFixed(4)}`;
}

function budgetLines(budget: RunBudget | undefined): string[] {
  if (!budget) return [];
  const limits = [budget.maxCostUsd !== undefined ? `$${budget.maxCostUsd}` : '', budget.maxTokens !== undefined ? `${budget.maxTokens} tokens` : ''].filter((part) => part.length > 0);
  return [`  budget:   at most ${limits.join(' and ')}`];
}
