/**
 * The benchmark proper; `ingestBenchmark.ts` launches it once tracing is configured.
 */
// First: tracing must be running before kafkajs is loaded.
import '../../src/telemetry/registerTelemetry';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { Client, Connection } from '@temporalio/client';
import { prefixedNameVariables } from '../../src/config/prefixedNames';
import { loadRelayConfig } from '../../src/config/relayConfig';
import { temporalDataConverter } from '../../src/temporal/temporalDataConverter';
import { ConcurrencyLimit } from '../../src/concurrency/concurrencyLimit';
import { createKafka } from '../../src/kafka/kafkaClient';
import { ensureTopics } from '../../src/kafka/topicProvisioner';
import { createLogger, silentLogger } from '../../src/logging/logger';
import { RelayService } from '../../app/service/relayService';
import { startStandInServer } from '../standIn';
import { startIdempotently } from '../../src/temporal/idempotentStart';
import { installTemporalRuntimeLogging } from '../../app/service/temporalRuntimeLogging';
import { ProgressLine } from '../infra/progressLine';
import { activeTelemetry } from '../../src/telemetry/telemetry';
import { formatBytes, formatRate, percentile, perSecond } from './benchmarkFigures';
import { temporalConnectionOptions } from '../../src/temporal/temporalConnectionOptions';

export interface BenchmarkOptions {
  readonly events: number;
  readonly latencyEvents: number;
  readonly latencyRate: number;
  /** How tracing was set up, for the report ("on (OTLP gRPC …)" or "off"). */
  readonly telemetryLabel: string;
}

export async function runBenchmark(options: BenchmarkOptions): Promise<void> {
  let events = options.events;
  const { latencyEvents, latencyRate } = options;
  const logger = createLogger({ level: 'warn', name: 'bench' });
  installTemporalRuntimeLogging(logger, 'ERROR');
  const standIn = await startStandInServer({ latencyMs: 0 });
  const id = `bench-${Date.now().toString(36)}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...prefixedNameVariables(id),
    OPENAI_BASE_URL: standIn.baseUrl,
    OPENAI_API_KEY: 'bench',
    SEARCH_PROVIDER: 'local-corpus',
    LOG_LEVEL: 'warn',
    // A stalled model call costs at most this, not the production default of minutes.
    OPENAI_TIMEOUT_MS: '15000',
    LLM_ACTIVITY_TIMEOUT_MS: '60000',
    // The consumer process and this one's worker each take a free port for /metrics and the probes.
    SERVICE_HTTP_PORT: '0',
  };
  const config = loadRelayConfig(env);
  const kafka = createKafka(config.kafka, silentLogger, 'bench');
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, Object.values(config.topics), config.topicPartitions);
  const producer = kafka.producer();
  await producer.connect();
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  // The ceiling's starts pay for encryption as the consumer's do (when keys are configured).
  const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: temporalDataConverter(config.temporal.payloadEncryption) });
  console.log(`research-relay benchmark: ${events} events, telemetry ${options.telemetryLabel}, ${config.topicPartitions} partitions, ingest concurrency ${config.ingestConcurrency}, ${process.platform} ${process.arch}, Node ${process.version}`);

  // (b) The ceiling: direct starts. Probe concurrency levels, then N starts at the best one.
  const ceilingQueue = `${id}-ceiling`;
  const ceilingRunIds: string[] = [];
  const directStarts = async (count: number, concurrency: number, tag: string): Promise<number> => {
    const limit = new ConcurrencyLimit(concurrency);
    const progress = new ProgressLine(`direct starts ×${concurrency}`);
    let done = 0;
    const began = Date.now();
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        limit.run(async () => {
          await startIdempotently(client, 'ResearchWorkflow', {
            taskQueue: ceilingQueue,
            workflowId: ceilingRunId(`${id}-${tag}-${i}`),
            args: [{ request: { requestId: `${tag}-${i}`, query: 'ceiling' }, trace: { traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` } }],
            reusePolicy: 'reject-duplicate',
          });
          done += 1;
          progress.update(`${done}/${count}`);
        }),
      ),
    );
    const rate = perSecond(count, Date.now() - began);
    progress.done(`${count} in ${Date.now() - began} ms → ${formatRate(rate)}`);
    return rate;
  };
  function ceilingRunId(workflowId: string): string {
    ceilingRunIds.push(workflowId);
    return workflowId;
  }
  const probeCount = Math.min(400, events);
  let bestConcurrency = 16;
  let bestProbe = 0;
  for (const concurrency of [16, 32, 64, 128, 256]) {
    const rate = await directStarts(probeCount, concurrency, `probe${concurrency}`);
    if (rate > bestProbe) [bestProbe, bestConcurrency] = [rate, concurrency];
  }
  // (a) and (b) in ABBA order — ceiling, ingest, ingest, ceiling, N/2 each — so that the server
  // slowing down as its database grows weighs on both figures alike.
  const half = Math.floor(events / 2);
  let produced = 0;
  const produceRequests = async (count: number): Promise<void> => {
    const produceProgress = new ProgressLine('producing requests');
    for (let sent = 0; sent < count; sent += 500) {
      const size = Math.min(500, count - sent);
      await producer.send({
        topic: config.topics.requested,
        acks: -1,
        messages: Array.from({ length: size }, (_, k) => {
          const requestId = `r${produced + sent + k}`;
          return { key: requestId, value: JSON.stringify({ requestId, query: `Benchmark question number ${produced + sent + k} about event-driven systems` }) };
        }),
      });
      produceProgress.update(`${sent + size}/${count}`);
    }
    produced += count;
    produceProgress.done(`${count} produced`);
  };
  const ingestHalf = async (label: string) => {
    await produceRequests(half);
    const run = await runConsumer(env, half, label);
    return { run, rate: perSecond(half, run.lastAck - run.firstAck), rateWithJoin: perSecond(half, run.lastAck - run.spawnedAt) };
  };
  const ceiling1 = await directStarts(half, bestConcurrency, 'ceiling1');
  const ingest1 = await ingestHalf('ingest 1/2 (backlog)');
  const ingest2 = await ingestHalf('ingest 2/2 (backlog)');
  const ceiling2 = await directStarts(half, bestConcurrency, 'ceiling2');
  const ceiling = (ceiling1 + ceiling2) / 2;
  const ingestRate = (ingest1.rate + ingest2.rate) / 2;
  const ingestRateWithJoin = (ingest1.rateWithJoin + ingest2.rateWithJoin) / 2;
  const ingest = { rssBytes: Math.max(ingest1.run.rssBytes, ingest2.run.rssBytes) };
  events = produced;

  // (d) End to end: a worker works off the runs the consumer started.
  const completedCounter = kafka.consumer({ groupId: `${id}-count`, maxWaitTimeInMs: 200 });
  let completed = 0;
  let failed = 0;
  await completedCounter.connect();
  await completedCounter.subscribe({ topics: [config.topics.completed, config.topics.failed], fromBeginning: true });
  await completedCounter.run({
    eachBatch: ({ batch }) => {
      if (batch.topic === config.topics.completed) completed += batch.messages.length;
      else failed += batch.messages.length;
      return Promise.resolve();
    },
  });
  const workerStarted = Date.now();
  const worker = await RelayService.start({ config, logger, roles: { consumer: false, worker: true } });
  const runProgress = new ProgressLine('runs completed');
  while (completed + failed < events) {
    runProgress.update(`${completed}/${events} completed, ${failed} failed`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const endToEndMs = Date.now() - workerStarted;
  const completedRuns = completed;
  const failedRuns = failed;
  runProgress.done(`${completed} completed, ${failed} failed in ${endToEndMs} ms`);

  // (e) Latency at a steady rate, with the worker busy as in production.
  const latency = await runConsumer(env, latencyEvents, 'ingest (steady rate)', async () => {
    const interval = 1000 / latencyRate;
    const began = Date.now();
    for (let i = 0; i < latencyEvents; i += 1) {
      const due = began + i * interval;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      const requestId = `steady${i}`;
      await producer.send({ topic: config.topics.requested, acks: -1, messages: [{ key: requestId, value: JSON.stringify({ requestId, query: `Steady question ${i}`, maxSearches: 1 }) }] });
    }
  });
  const latencies = latency.acks.map(([producedAt, ackedAt]) => ackedAt - producedAt);

  await worker.stop();
  await terminateRuns(client, ceilingRunIds);
  await completedCounter.disconnect();
  await producer.disconnect();
  await admin.disconnect();
  await connection.close();
  await standIn.stop();
  await activeTelemetry().shutdown();

  console.log(`\n=== research-relay ingest benchmark (telemetry ${options.telemetryLabel}) ===`);
  console.log(`(a) ingest rate, events → workflow started:   ${formatRate(ingestRate)} (mean of ${formatRate(ingest1.rate)} and ${formatRate(ingest2.rate)}, first to last ack; ${formatRate(ingestRateWithJoin)} including the group join)`);
  console.log(`(b) ceiling, direct client starts ×${bestConcurrency}:      ${formatRate(ceiling)} (mean of ${formatRate(ceiling1)} and ${formatRate(ceiling2)}; ABBA order)`);
  console.log(`(c) a/b:                                      ${(ingestRate / ceiling).toFixed(2)}`);
  console.log(`(d) completed runs end to end:                ${formatRate(perSecond(completedRuns + failedRuns, endToEndMs))} (${completedRuns} completed, ${failedRuns} failed, 7 model calls each)`);
  console.log(`(e) produced → started at ${latencyRate}/s:            p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms (${latencies.length} events)`);
  console.log(`(f) consumer peak RSS:                        ${formatBytes(Math.max(ingest.rssBytes, latency.rssBytes))}`);
}

/**
 * The ceiling runs wait on a queue nobody polls (idle: no timers, no load). They are
 * terminated once every figure is measured, so that the cleanup loads no measurement.
 */
async function terminateRuns(client: Client, workflowIds: readonly string[]): Promise<void> {
  const limit = new ConcurrencyLimit(64);
  const progress = new ProgressLine('cleaning up the ceiling runs');
  let done = 0;
  await Promise.all(
    workflowIds.map((workflowId) =>
      limit.run(async () => {
        await client.workflow.getHandle(workflowId).terminate('benchmark cleanup').catch(() => undefined);
        done += 1;
        progress.update(`${done}/${workflowIds.length} terminated`);
      }),
    ),
  );
  progress.done(`${done} terminated`);
}

interface ConsumerRun {
  readonly spawnedAt: number;
  readonly firstAck: number;
  readonly lastAck: number;
  readonly acks: [number, number][];
  readonly rssBytes: number;
}

/** Runs the consumer process until `expected` records are acknowledged, then stops it. */
async function runConsumer(env: NodeJS.ProcessEnv, expected: number, label: string, whileRunning?: () => Promise<void>): Promise<ConsumerRun> {
  const spawnedAt = Date.now();
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'ingestConsumerProcess.ts')], { env, stdio: 'pipe' });
  child.stderr.pipe(process.stderr);
  const acks: [number, number][] = [];
  let rssBytes = 0;
  const progress = new ProgressLine(label);
  let ready!: () => void;
  const readyPromise = new Promise<void>((resolve) => (ready = resolve));
  let allAcked!: () => void;
  const allAckedPromise = new Promise<void>((resolve) => (allAcked = resolve));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    const [kind, a, b] = line.split(' ');
    if (kind === 'ready') ready();
    else if (kind === 'ack') {
      acks.push([Number(a), Number(b)]);
      progress.update(`${acks.length}/${expected} acknowledged`);
      if (acks.length >= expected) allAcked();
    } else if (kind === 'rss') rssBytes = Number(a);
  });
  await Promise.race([readyPromise, exited.then(() => Promise.reject(new Error('the consumer process exited early')))]);
  if (whileRunning) await whileRunning();
  await Promise.race([allAckedPromise, exited.then(() => Promise.reject(new Error('the consumer process exited early')))]);
  const ackTimes = acks.map(([, ackedAt]) => ackedAt);
  progress.done(`${acks.length} acknowledged`);
  child.kill('SIGTERM');
  await exited;
  return { spawnedAt, firstAck: Math.min(...ackTimes), lastAck: Math.max(...ackTimes), acks, rssBytes };
}
