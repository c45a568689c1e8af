// First: tracing must be running before kafkajs is loaded.
import '../../src/telemetry/registerCommandTelemetry';
import { parseArgs } from 'node:util';
import { createResearchClient } from '../../src/client/researchClient';
import { loadRelayConfig, type RelayConfig } from '../../src/config/relayConfig';
import { createLogger, maskSecrets } from '../../src/logging/logger';
import { installTemporalRuntimeLogging } from '../service/temporalRuntimeLogging';
import { activeTelemetry } from '../../src/telemetry/telemetry';
import { runTraceLink } from '../../operator/traces/runTraceLink';
import { RelayService } from '../service/relayService';
import { temporalUiLink } from '../../src/temporal/temporalUiLink';

const usage = `Usage: npm run demo [-- --query "<question>"]

The main job, end to end: npm run demo starts the local Kafka, Temporal and Phoenix
(npm run infra:up; npm run infra:down stops them), then this runs the consumer and the
worker, produces one research request, waits for its research.completed, and prints the
short summary, the trace id, the run's Temporal UI link and the link to its trace in Phoenix
(the local LLM-observability backend). KAFKA_BROKERS and TEMPORAL_ADDRESS point it elsewhere.
Without OPENAI_API_KEY / OPENAI_BASE_URL it runs offline: the embedded stand-in model server
and search over the sample corpus shipped in src/search/sample-corpus. With OPENAI_BASE_URL
(or MODEL_API=chat-completions), set SEARCH_PROVIDER too: tavily, searxng or local-corpus
(README, "Model servers and search back ends"): such a server has no search of its own.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      query: { type: 'string', default: 'How do Kafka consumer offsets and idempotency keys make event processing safe to retry?' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const step = (text: string): void => void process.stderr.write(`\n▶ ${text}\n`);

  // The main job is offline unless a model is configured: then it asks for the stand-in itself.
  const modelConfigured = Boolean(process.env.OPENAI_API_KEY || process.env.OPENAI_BASE_URL);
  // Its HTTP port (/metrics, /healthz, /readyz) is a free one unless set: a service already on 9464 must not stop the demo.
  const env = { SERVICE_HTTP_PORT: '0', ...process.env };
  const config = loadRelayConfig(modelConfigured ? env : { ...env, OFFLINE_MODE: process.env.OFFLINE_MODE || 'true' });
  const logger = createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel, name: 'research-relay' });
  installTemporalRuntimeLogging(logger);

  const encryption = config.temporal.payloadEncryption;
  step(`research-relay: consumer + worker; Temporal payloads ${encryption ? `encrypted with key ${encryption.currentKeyId}` : 'in plain JSON (set PAYLOAD_ENCRYPTION_KEYS to encrypt them)'}`);
  const service = await RelayService.start({ config, logger });
  const client = createResearchClient({ brokers: config.kafka.brokers, topics: config.topics });
  let traceId: string | undefined;
  try {
    step('producing a research request');
    const sent = await client.request({ query: values.query, requestedBy: 'npm run demo', metadata: { source: 'demo' } });
    console.log(`request ${sent.requestId} → ${sent.topic}[${sent.partition}]@${sent.offset}`);
    console.log(`query:   ${values.query}`);

    step('waiting for the result');
    const ticker = setInterval(() => process.stderr.write('.'), 1000);
    const result = await client.waitForResult(sent.requestId, { timeoutMs: 15 * 60_000 }).finally(() => clearInterval(ticker));
    process.stderr.write('\n');
    const event = result.event;
    traceId = event.traceId;
    const link = temporalUiLink(config.temporal.uiUrl, config.temporal.namespace, event.workflowId, event.runId);
    if (result.kind === 'failed') {
      console.log(`research.failed at stage ${result.event.stage}: ${result.event.error.type}: ${result.event.error.message}`);
      console.log(`trace id:    ${event.traceId}`);
      console.log(`Temporal UI: ${link}`);
      return 1;
    }
    const completed = result.event;
    console.log(`\n=== research.completed (${completed.timings.durationMs} ms, ${completed.searches.filter((s) => s.succeeded).length}/${completed.searches.length} searches) ===`);
    console.log(`\nShort summary:\n${completed.report.shortSummary}\n`);
    console.log(`Follow-up questions:\n${completed.report.followUpQuestions.map((q) => `  - ${q}`).join('\n')}\n`);
    console.log(`report:      ${completed.report.markdownReport.split(/\s+/).length} words of markdown (in the event on ${config.topics.completed})`);
    console.log(`models:      planner ${completed.models.planner}, searcher ${completed.models.searcher}, writer ${completed.models.writer}`);
    console.log(`usage:       ${completed.usage.total.inputTokens} input + ${completed.usage.total.outputTokens} output tokens, ~$${completed.usage.total.estimatedCostUsd.toFixed(4)}`);
    console.log(`trace id:    ${completed.traceId}`);
    console.log(`Temporal UI: ${link}`);
    return 0;
  } finally {
    await client.close();
    await service.stop();
    await activeTelemetry().shutdown();
    if (traceId) await printPhoenixLink(config, traceId);
    process.stderr.write('\nKafka, Temporal and Phoenix keep running (npm run infra:down stops them).\n');
  }
}

/** The run's trace in Phoenix, once Phoenix holds it (the service's spans left as it stopped). */
async function printPhoenixLink(config: RelayConfig, traceId: string): Promise<void> {
  const link = await runTraceLink(config.phoenix, traceId, config.topics.requested);
  if (link) console.log(`Phoenix:     ${link.url}${link.ready ? '' : ' (the trace is still arriving)'}`);
  else console.log(`Phoenix:     no trace link: no Phoenix answers at ${config.phoenix.url} (PHOENIX_URL; INFRA_PHOENIX=false leaves it out), or it holds none of this run's spans`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(maskSecrets(`demo: ${error instanceof Error ? error.message : String(error)}`));
    process.exit(1);
  },
);
