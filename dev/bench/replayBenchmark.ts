/**
 * `npm run bench:replay [-- --events 2000]`: how long a replay of N requests takes in each mode,
 * on the real Kafka and Temporal. The requests are ingested first by the real consumer (their
 * runs exist, no worker runs them), then replayed: --dry-run, skip-existing (every run exists),
 * and rerun (N fresh runs started). The rerun is set against the direct start ceiling measured
 * around it (N/2 direct starts before and N/2 after, as the server slows while its database
 * grows). Prints figures; asserts nothing.
 */
// Tracing stays off here (no SDK started): this measures replay alone.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { replayRequests, type ReplayOptions, type ReplaySummary } from '../../operator/replay/requestReplay';
import { prefixedNameVariables } from '../../src/config/prefixedNames';
import { loadRelayConfig, type RelayConfig } from '../../src/config/relayConfig';
import { temporalDataConverter } from '../../src/temporal/temporalDataConverter';
import { ProgressLine } from '../infra/progressLine';
import { createKafka } from '../../src/kafka/kafkaClient';
import { provisionRelayTopics } from '../../src/kafka/topicProvisioner';
import { createLogger, silentLogger } from '../../src/logging/logger';
import { RelayService } from '../../app/service/relayService';
import { formatRate, perSecond } from './benchmarkFigures';
import { temporalConnectionOptions } from '../../src/temporal/temporalConnectionOptions';
import { workflowIdFor } from '../../src/temporal/workflowIds';
import { ConcurrencyLimit } from '../../src/concurrency/concurrencyLimit';
import { startResearchRun } from '../../src/intake/researchRunStarter';
import { researchRequestedSchema } from '../../src/contracts/researchRequested';
import { newTraceContext } from '../../src/telemetry/traceContext';

/** Direct starts in flight at once for the ceiling: past 16 the dev server's rate hardly changes. */
const ceilingConcurrency = 64;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { events: { type: 'string', default: '2000' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) {
    console.log('Usage: npm run bench:replay [-- --events 2000]');
    return;
  }
  const events = Number(values.events);
  const id = `replaybench-${Date.now().toString(36)}`;
  const config = loadRelayConfig({
    ...process.env,
    ...prefixedNameVariables(id),
    OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
    SERVICE_HTTP_PORT: '0',
  });
  const kafka = createKafka(config.kafka, silentLogger, 'replay-bench');
  await provisionRelayTopics(kafka, config);
  const producer = kafka.producer();
  await producer.connect();
  const progress = new ProgressLine('producing requests');
  for (let sent = 0; sent < events; sent += 500) {
    const size = Math.min(500, events - sent);
    await producer.send({
      topic: config.topics.requested,
      acks: -1,
      messages: Array.from({ length: size }, (_, k) => ({ key: `r${sent + k}`, value: JSON.stringify({ requestId: `r${sent + k}`, query: `Replay question ${sent + k}` }) })),
    });
    progress.update(`${sent + size}/${events}`);
  }
  progress.done(`${events} produced`);
  await producer.disconnect();

  // The live path first: the consumer starts every run (nobody works them off: they exist).
  let acknowledged = 0;
  const ingestProgress = new ProgressLine('live ingest');
  const consumer = await RelayService.start({ config, logger: createLogger({ level: 'warn', name: 'replay-bench' }), roles: { consumer: true, worker: false }, onOutcome: () => (acknowledged += 1) });
  while (acknowledged < events) {
    ingestProgress.update(`${acknowledged}/${events} runs started`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  ingestProgress.done(`${events} runs started`);
  await consumer.stop();

  const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  const temporal = new Client({ connection, namespace: config.temporal.namespace, dataConverter: temporalDataConverter(config.temporal.payloadEncryption) });
  const timed = async (label: string, options: Partial<ReplayOptions>): Promise<ReplaySummary> => {
    const line = new ProgressLine(label);
    const summary = await replayRequests({
      // No worker runs them: every run stays open, so the replay must not wait for any to close.
      maxOpenRuns: Number.POSITIVE_INFINITY,
      kafka,
      temporal,
      config,
      logger: silentLogger,
      from: { kind: 'beginning' },
      onProgress: (p) => line.update(`${p.processed}/${p.total}, ${p.perSecond.toFixed(1)}/s`),
      ...options,
    });
    line.done(`${summary.total} in ${summary.durationMs} ms`);
    return summary;
  };
  const dryRun = await timed('replay --dry-run', { mode: 'skip-existing', dryRun: true });
  const skip = await timed('replay --mode skip-existing', { mode: 'skip-existing' });
  const half = Math.floor(events / 2);
  const ceilingBefore = await directStarts(temporal, config, 'ceiling-a', half);
  const rerun = await timed('replay --mode rerun', { mode: 'rerun', epoch: 1 });
  const ceilingAfter = await directStarts(temporal, config, 'ceiling-b', events - half);
  const ceiling = (ceilingBefore + ceilingAfter) / 2;
  const ids = Array.from({ length: events }, (_, i) => `r${i}`).flatMap((requestId) => [workflowIdFor(config.temporal.workflowIdPrefix, requestId), workflowIdFor(config.temporal.workflowIdPrefix, requestId, 1)]);
  ids.push(...Array.from({ length: half }, (_, i) => workflowIdFor(config.temporal.workflowIdPrefix, `ceiling-a-${i}`)));
  ids.push(...Array.from({ length: events - half }, (_, i) => workflowIdFor(config.temporal.workflowIdPrefix, `ceiling-b-${i}`)));
  const cleanup = new ProgressLine('cleaning up');
  let terminated = 0;
  for (let i = 0; i < ids.length; i += 64) {
    await Promise.all(ids.slice(i, i + 64).map((workflowId) => temporal.workflow.getHandle(workflowId).terminate('benchmark cleanup').catch(() => undefined)));
    terminated += Math.min(64, ids.length - i);
    cleanup.update(`${terminated}/${ids.length}`);
  }
  cleanup.done('done');
  await connection.close();

  const row = (label: string, summary: ReplaySummary, what: string) =>
    console.log(`${label.padEnd(28)} ${(summary.durationMs / 1000).toFixed(1).padStart(6)} s  ${formatRate(perSecond(summary.total, summary.durationMs)).padStart(9)}  ${what}`);
  console.log(`\n=== replay of ${events} requests (runs exist, no worker; load average ${loadavg().map((load) => load.toFixed(2)).join(' ')}) ===`);
  row('--dry-run', dryRun, `would start ${dryRun.started}, existing ${dryRun.existing}`);
  row('--mode skip-existing', skip, `started ${skip.started}, existing ${skip.existing}`);
  row('--mode rerun', rerun, `started ${rerun.started} (epoch ${rerun.epoch ?? '?'})`);
  const rerunRate = perSecond(rerun.total, rerun.durationMs);
  console.log(`${'direct start ceiling'.padEnd(28)} ${''.padStart(8)}  ${formatRate(ceiling).padStart(9)}  ×${ceilingConcurrency}, mean of ${formatRate(ceilingBefore)} before and ${formatRate(ceilingAfter)} after the rerun`);
  console.log(`${'rerun / ceiling'.padEnd(28)} ${''.padStart(8)}  ${(rerunRate / ceiling).toFixed(2).padStart(9)}`);
}

/**
 * The ceiling: the same starts as the rerun's (same request shape, codec, priority and memo),
 * issued straight from a Temporal client with no replay around them. Returns starts per second.
 */
async function directStarts(temporal: Client, config: RelayConfig, tag: string, count: number): Promise<number> {
  const limit = new ConcurrencyLimit(ceilingConcurrency);
  const line = new ProgressLine(`direct starts ×${ceilingConcurrency}`);
  let done = 0;
  const began = Date.now();
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      limit.run(async () => {
        const request = researchRequestedSchema.parse({ requestId: `${tag}-${i}`, query: `Replay question ${i}` });
        const location = { topic: config.topics.requested, partition: 0, offset: String(i) };
        await startResearchRun(temporal, config.temporal, { request, trace: newTraceContext(), location, conflict: 'fail', urgency: 'batch' });
        done += 1;
        line.update(`${done}/${count}`);
      }),
    ),
  );
  const rate = perSecond(count, Date.now() - began);
  line.done(`${count} in ${Date.now() - began} ms → ${formatRate(rate)}`);
  return rate;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench:replay: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
