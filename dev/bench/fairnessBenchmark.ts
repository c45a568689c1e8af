/**
 * `npm run bench:fairness`: do live requests still get their results in time while a replay of
 * thousands of requests runs? A steady trickle of live requests goes through the real relay
 * (consumer and worker in a process of their own, as `npm start` runs them) alone, then again
 * while a 2,000-request `--mode rerun` replay runs, with the replay's defaults (unpaced, at most
 * 200 of its runs open at once) unless `--replay-rate` / `--replay-max-open` say otherwise; prints the live requests' p50/p99
 * time to result in both, the p99 ratio against the goal (≤ 2), and where a live run's time went.
 *
 * Kafka and Temporal are private to the run (the chaos suite's launcher: free ports, fresh data,
 * deleted afterwards; Temporal with the priority and fairness settings of `infra:up`), so the
 * figures depend neither on how long the shared servers have run nor on who else uses them —
 * only on the CPU they share. The stand-in model answers after a fixed latency, so runs take
 * time and the replay's work queues up. Prints figures; asserts nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import type { Kafka, Producer } from 'kafkajs';
import { defaultMaxOpenRuns, replayRequests, type ReplaySummary } from '../../operator/replay/requestReplay';
import { prefixedNameVariables } from '../../src/config/prefixedNames';
import { loadRelayConfig, type RelayConfig } from '../../src/config/relayConfig';
import { createKafka } from '../../src/kafka/kafkaClient';
import { provisionRelayTopics } from '../../src/kafka/topicProvisioner';
import { silentLogger } from '../../src/logging/logger';
import { defaultCorpusDirectory } from '../../src/search/searchProviderFromConfig';
import { temporalConnectionOptions } from '../../src/temporal/temporalConnectionOptions';
import { temporalDataConverter } from '../../src/temporal/temporalDataConverter';
import { startPrivateServers, type PrivateServers } from '../chaos/privateServers';
import { ProgressLine } from '../infra/progressLine';
import { startStandInProcess, type StandInProcess } from './standInProcess';
import { percentile } from './benchmarkFigures';
import { sendLiveTrickle, type LiveAnswer } from './liveTrickle';
import { ResultWatcher } from './resultWatcher';
import { breakdownParts, runTimeBreakdown, type RunTimeBreakdown } from './runTimeBreakdown';

interface FairnessOptions {
  readonly replay: number;
  readonly live: number;
  readonly intervalMs: number;
  readonly latencyMs: number;
  readonly slots: number;
  /** WORKER_WORKFLOW_TASK_SLOTS; 0: the service's default. */
  readonly workflowTaskSlots: number;
  /** The replay's --rate (runs started per second); 0: as fast as it goes. */
  readonly replayRate: number;
  /** The replay's --max-open. */
  readonly replayMaxOpen: number;
}

/** What the run sets up once and takes down at the end. */
interface Rig {
  readonly id: string;
  readonly config: RelayConfig;
  readonly env: NodeJS.ProcessEnv;
  readonly kafka: Kafka;
  readonly producer: Producer;
  readonly servers: PrivateServers;
  readonly connection: Connection;
  readonly client: Client;
  readonly standIn: StandInProcess;
  readonly watcher: ResultWatcher;
  readonly relayLog: string;
  relay?: ChildProcess;
}

const usage = `Usage: npm run bench:fairness [-- --replay 2000 --replay-rate 0 --replay-max-open 200 --live 40 --interval-ms 1500 --latency-ms 1000 --slots 20]

  --replay N         requests the rerun replay starts runs for (default 2000)
  --live N           live requests alone (default 40); during the replay as many, and more until it has started all its runs
  --interval-ms MS   one live request every MS milliseconds (default 1500)
  --latency-ms MS    the stand-in model's answer time per call (default 1000)
  --slots N          the worker's activity slots, WORKER_ACTIVITY_SLOTS (default 20)
  --workflow-task-slots N  the worker's workflow-task slots, WORKER_WORKFLOW_TASK_SLOTS (default: the service's, 40)
  --replay-rate N    the replay's --rate, runs started per second (default 0: unpaced, the replay's default)
  --replay-max-open N  the replay's --max-open, its runs open at once (default ${defaultMaxOpenRuns}, the replay's default)`;

function readOptions(): FairnessOptions | undefined {
  const { values } = parseArgs({
    options: {
      replay: { type: 'string', default: '2000' },
      live: { type: 'string', default: '40' },
      'interval-ms': { type: 'string', default: '1500' },
      'latency-ms': { type: 'string', default: '1000' },
      slots: { type: 'string', default: '20' },
      'replay-rate': { type: 'string', default: '0' },
      'replay-max-open': { type: 'string', default: String(defaultMaxOpenRuns) },
      'workflow-task-slots': { type: 'string', default: '0' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const number = (name: keyof typeof values, min: number): number => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
    return value;
  };
  return { replay: number('replay', 10), live: number('live', 2), intervalMs: number('interval-ms', 10), latencyMs: number('latency-ms', 0), slots: number('slots', 1), replayRate: number('replay-rate', 0), replayMaxOpen: number('replay-max-open', 1), workflowTaskSlots: number('workflow-task-slots', 0) };
}

/**
 * What runs so far, as soon as it runs: the private servers and the relay are processes of
 * their own (the servers in process groups of their own, which a Ctrl-C in the terminal does
 * not reach), so a failed set-up or an interrupt must stop them too.
 */
const running: { servers?: PrivateServers; standIn?: StandInProcess; relay?: ChildProcess } = {};
let interrupted = false;

/** Stops the relay (waiting for its exit), the private servers and the stand-in; safe to call twice. */
async function stopRunning(): Promise<void> {
  const { relay } = running;
  if (relay && relay.exitCode === null && relay.signalCode === null) {
    const exited = new Promise((resolve) => relay.once('exit', resolve));
    relay.kill('SIGTERM');
    await exited;
  }
  // The replay's unfinished runs go with the private servers' data.
  await running.servers?.stop();
  await running.standIn?.stop();
}

function onInterrupt(): void {
  if (interrupted) return;
  interrupted = true;
  console.error('\nbench:fairness: interrupted, stopping the relay and the private servers');
  void stopRunning().finally(() => process.exit(130));
}

async function main(): Promise<void> {
  const options = readOptions();
  if (!options) {
    console.log(usage);
    return;
  }
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  const rig = await setUp(options).catch(async (error: unknown) => {
    await stopRunning();
    throw error;
  });
  try {
    console.log(`research-relay fairness benchmark: ${options.live} live requests every ${options.intervalMs} ms, alone and during a rerun replay of ${options.replay} (${options.replayRate > 0 ? `--rate ${options.replayRate}/s` : 'unpaced'}, --max-open ${options.replayMaxOpen}); stand-in latency ${options.latencyMs} ms per model call; worker ${options.slots} activity slots and ${rig.config.workerSlots.workflowTasks} workflow-task slots; private Kafka and Temporal (priority and fairness on)`);
    const history = await produceHistory(rig, options.replay);
    await startRelay(rig);
    const alone = await livePhase(rig, options, { label: 'alone' });
    const during = await duringReplay(rig, options, history);
    report(options, alone, during);
  } finally {
    await tearDown(rig);
  }
}

async function setUp(options: FairnessOptions): Promise<Rig> {
  const id = `fairbench-${Date.now().toString(36)}`;
  const progress = new ProgressLine('private Kafka and Temporal');
  const servers = await startPrivateServers(id);
  running.servers = servers;
  progress.done(`Kafka ${servers.kafkaBrokers}, Temporal ${servers.temporalAddress}`);
  // In a process of its own, like a remote model: the replay running here never slows its answers.
  const standIn = await startStandInProcess({ latencyMs: options.latencyMs });
  running.standIn = standIn;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...prefixedNameVariables(id),
    KAFKA_BROKERS: servers.kafkaBrokers,
    TEMPORAL_ADDRESS: servers.temporalAddress,
    OPENAI_BASE_URL: standIn.baseUrl,
    OPENAI_API_KEY: 'bench',
    SEARCH_PROVIDER: 'local-corpus',
    SEARCH_CORPUS_DIR: defaultCorpusDirectory,
    WORKER_ACTIVITY_SLOTS: String(options.slots),
    ...(options.workflowTaskSlots > 0 ? { WORKER_WORKFLOW_TASK_SLOTS: String(options.workflowTaskSlots) } : {}),
    // A stopping worker does not wait for the replay's model calls.
    WORKER_SHUTDOWN_GRACE_MS: '1000',
    OTEL_SDK_DISABLED: 'true',
    LOG_LEVEL: 'warn',
    SERVICE_HTTP_PORT: '0',
  };
  const config = loadRelayConfig(env);
  const kafka = createKafka(config.kafka, silentLogger, 'fairness-bench');
  await provisionRelayTopics(kafka, config);
  const producer = kafka.producer();
  await producer.connect();
  const watcher = await ResultWatcher.start(kafka, { completed: config.topics.completed, failed: config.topics.failed }, `${id}-results`);
  const relayLog = path.join(servers.logDirectory, 'relay.log');
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: temporalDataConverter(config.temporal.payloadEncryption) });
  return { id, config, env, kafka, producer, servers, connection, client, standIn, watcher, relayLog };
}

/**
 * The requests the replay will run again: on the request topic before the relay starts, with
 * the live group's offsets committed past them — the live service handled them long ago.
 * Returns where they end, the replay's upper bound.
 */
async function produceHistory(rig: Rig, count: number): Promise<Map<number, string>> {
  const { config } = rig;
  const progress = new ProgressLine('requests for the replay');
  for (let sent = 0; sent < count; sent += 500) {
    const size = Math.min(500, count - sent);
    await rig.producer.send({
      topic: config.topics.requested,
      acks: -1,
      messages: Array.from({ length: size }, (_, k) => {
        const requestId = `old-${sent + k}`;
        return { key: requestId, value: JSON.stringify({ requestId, query: `Earlier question ${sent + k} on event-driven systems`, maxSearches: 1, metadata: { team: `team-${(sent + k) % 4}` } }) };
      }),
    });
    progress.update(`${sent + size}/${count} produced`);
  }
  const admin = rig.kafka.admin();
  await admin.connect();
  try {
    const ends = new Map((await admin.fetchTopicOffsets(config.topics.requested)).map((mark) => [mark.partition, mark.high] as const));
    await admin.setOffsets({ groupId: config.consumerGroupId, topic: config.topics.requested, partitions: [...ends].map(([partition, offset]) => ({ partition, offset })) });
    progress.done(`${count} produced, the live group committed past them`);
    return ends;
  } finally {
    await admin.disconnect();
  }
}

/** The relay as `npm start` runs it (consumer and worker), in a process of its own; ready once a first request has its result. */
async function startRelay(rig: Rig): Promise<void> {
  fs.mkdirSync(path.dirname(rig.relayLog), { recursive: true });
  const log = fs.openSync(rig.relayLog, 'w');
  rig.relay = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../../app/service/serviceMain.ts')], { env: rig.env, stdio: ['ignore', log, log] });
  running.relay = rig.relay;
  fs.closeSync(log);
  const exited = new Promise<never>((_, reject) => rig.relay?.once('exit', (code) => reject(new Error(`the relay exited (${code}); see ${rig.relayLog}`))));
  const progress = new ProgressLine('relay (bundling its workflows)');
  const warmUp = sendLiveTrickle(rig.producer, rig.config.topics.requested, rig.watcher, {
    prefix: 'warm-up',
    count: 3,
    intervalMs: 200,
    answerTimeoutMs: 180_000,
    onProgress: (sent, answered) => progress.update(`${answered}/${sent} warm-up requests answered`),
  });
  await Promise.race([warmUp, exited]);
  progress.done('ready');
}

interface PhaseFigures {
  /** The machine's 1-minute load average when the phase ended: other work on it skews the figures. */
  readonly load: number;
  readonly answers: readonly LiveAnswer[];
  /** Time to result of each live request, ms. */
  readonly latencies: readonly number[];
  /** The median of each part of the live runs' time (see runTimeBreakdown). */
  readonly breakdown: RunTimeBreakdown;
}

interface PhaseShape {
  readonly label: string;
  /** Progress text after the live requests' own. */
  readonly extra?: () => string;
  /** Send more than `--live` requests until this says the phase is over. */
  readonly until?: () => boolean;
}

async function livePhase(rig: Rig, options: FairnessOptions, shape: PhaseShape): Promise<PhaseFigures> {
  const { label, extra = () => '', until } = shape;
  const progress = new ProgressLine(`live requests, ${label}`);
  const answers = await sendLiveTrickle(rig.producer, rig.config.topics.requested, rig.watcher, {
    prefix: `live-${label.replace(/\W+/g, '-')}`,
    count: options.live,
    ...(until ? { until } : {}),
    intervalMs: options.intervalMs,
    answerTimeoutMs: 600_000,
    onProgress: (sent, answered) => progress.update(`${sent} sent, ${answered} answered${extra()}`),
  });
  const latencies = answers.map((answer) => answer.resultAt - answer.sentAt);
  progress.done(`p50 ${seconds(percentile(latencies, 50))}, p99 ${seconds(percentile(latencies, 99))}${extra()}`);
  return { answers, latencies, load: os.loadavg()[0] ?? Number.NaN, breakdown: await medianBreakdown(rig, answers) };
}

/** The median of each part over the live runs. */
async function medianBreakdown(rig: Rig, answers: readonly LiveAnswer[]): Promise<RunTimeBreakdown> {
  const workflowId = (requestId: string): string => `${rig.config.temporal.workflowIdPrefix}${requestId}`;
  const runs = await Promise.all(answers.map((answer) => runTimeBreakdown(rig.client, workflowId(answer.requestId), answer.sentAt)));
  return Object.fromEntries(breakdownParts.map((part) => [part, percentile(runs.map((run) => run[part]), 50)])) as unknown as RunTimeBreakdown;
}

interface DuringFigures extends PhaseFigures {
  readonly replay: ReplaySummary | undefined;
  readonly startedWhenTrickleBegan: number;
  readonly rerunResultsWhileMeasured: number;
  readonly backlogAtEnd: number;
  /** When the replay had started its last run (undefined: not before the trickle ended). */
  readonly allStartedAt: number | undefined;
}

/**
 * The replay starts its runs (in this process, as an operator's `research-relay replay` would
 * in its own); once a tenth of them are queued, the same trickle of live requests goes again,
 * and goes on until the replay has started all its runs (or at least `--live` requests).
 */
async function duringReplay(rig: Rig, options: FairnessOptions, history: Map<number, string>): Promise<DuringFigures> {
  const abort = new AbortController();
  let started = 0;
  let allStartedAt: number | undefined;
  let replayEnded = false;
  const replay = replayRequests({
    kafka: rig.kafka,
    temporal: rig.client,
    config: rig.config,
    mode: 'rerun',
    epoch: 1,
    from: { kind: 'beginning' },
    to: { kind: 'offsets', offsets: history },
    signal: abort.signal,
    ...(options.replayRate > 0 ? { ratePerSecond: options.replayRate } : {}),
    maxOpenRuns: options.replayMaxOpen,
    onProgress: (progress) => {
      started = progress.started;
      if (progress.processed === progress.total) allStartedAt ??= Date.now();
    },
  });
  const ended = (): void => {
    replayEnded = true;
  };
  replay.then(ended, ended);
  try {
    const waiting = new ProgressLine('replay');
    // Not past the replay's end: one that fails (or ends) before a tenth is started would leave this waiting forever.
    while (!replayEnded && started < options.replay / 10) {
      waiting.update(`${started}/${options.replay} runs started`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (started < options.replay / 10) {
      const outcome = await replay.then((summary) => `ended with ${summary.started} runs started`, (error: unknown) => `failed: ${error instanceof Error ? error.message : String(error)}`);
      throw new Error(`the replay ${outcome}, before a tenth of its ${options.replay} runs was queued`);
    }
    waiting.done(`${started} runs started; the live trickle begins`);
    const startedWhenTrickleBegan = started;
    const resultsBefore = rig.watcher.rerunResults;
    const phase = await livePhase(rig, options, {
      label: 'during the replay',
      extra: () => `; replay ${started}/${options.replay} started, ${rig.watcher.rerunResults} finished`,
      until: () => replayEnded || allStartedAt !== undefined,
    });
    const rerunResultsWhileMeasured = rig.watcher.rerunResults - resultsBefore;
    const backlogAtEnd = started - rig.watcher.rerunResults;
    abort.abort();
    const summary = await replay.catch(() => undefined);
    return { ...phase, replay: summary, startedWhenTrickleBegan, rerunResultsWhileMeasured, backlogAtEnd, allStartedAt };
  } finally {
    abort.abort();
    await replay.catch(() => undefined);
  }
}

function report(options: FairnessOptions, alone: PhaseFigures, during: DuringFigures): void {
  const p99Alone = percentile(alone.latencies, 99);
  const p99During = percentile(during.latencies, 99);
  const ratio = p99During / p99Alone;
  console.log('\n=== live requests during a replay (npm run bench:fairness) ===');
  // A failed run's result counts as its time to result too, but says so: a fast failure is no success.
  const failures = (phase: PhaseFigures): string => {
    const failed = phase.answers.filter((answer) => answer.failed).length;
    return failed > 0 ? `, ${failed} of them FAILED (research.failed)` : '';
  };
  console.log(`live time to result, alone:              p50 ${seconds(percentile(alone.latencies, 50))}, p99 ${seconds(p99Alone)} (${alone.latencies.length} requests${failures(alone)})`);
  console.log(`live time to result, during the replay:  p50 ${seconds(percentile(during.latencies, 50))}, p99 ${seconds(p99During)} (${during.latencies.length} requests${failures(during)})`);
  console.log(`load average (1 min, ${os.cpus().length} CPUs):     ${alone.load.toFixed(1)} after the phase alone, ${during.load.toFixed(1)} after the phase during the replay`);
  console.log(`p99 during / p99 alone:                  ${ratio.toFixed(2)} (goal ≤ 2: ${ratio <= 2 ? 'met' : 'MISSED'})`);
  const starting = during.answers.filter((answer) => during.allStartedAt === undefined || answer.sentAt < during.allStartedAt).map((answer) => answer.resultAt - answer.sentAt);
  const backlogOnly = during.answers.filter((answer) => during.allStartedAt !== undefined && answer.sentAt >= during.allStartedAt).map((answer) => answer.resultAt - answer.sentAt);
  const split = (latencies: readonly number[]): string => (latencies.length > 0 ? `p50 ${seconds(percentile(latencies, 50))}, p99 ${seconds(percentile(latencies, 99))} (${latencies.length})` : 'none');
  console.log(`  sent while the replay started runs:    ${split(starting)}`);
  console.log(`  sent once all its runs were queued:    ${split(backlogOnly)}`);
  const replay = during.replay && during.replay.started + during.replay.existing === options.replay ? `all ${options.replay} runs started in ${seconds(during.replay.durationMs)}` : `stopped after ${during.replay?.started ?? 'some'} runs started, when the last live result came`;
  console.log(`the replay (--mode rerun):               ${replay}`);
  const parts: Record<keyof RunTimeBreakdown, string> = { start: 'sent → run started', workflowTaskWait: 'workflow tasks queued', workflowTaskWork: 'workflow tasks on the worker', activityWait: 'activities queued', activityWork: 'activities running (model calls)' };
  console.log('a live run\'s time, median, summed over its tasks:   alone   during the replay');
  for (const part of breakdownParts) console.log(`  ${parts[part].padEnd(46)} ${seconds(alone.breakdown[part]).padStart(8)}   ${seconds(during.breakdown[part]).padStart(8)}`);
  console.log(`the replay's runs meanwhile:             ${during.startedWhenTrickleBegan} of ${options.replay} runs queued when the trickle began, ${during.rerunResultsWhileMeasured} finished while it was measured, ${during.backlogAtEnd} still waiting when the last live result came`);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

async function tearDown(rig: Rig): Promise<void> {
  const cleanup = new ProgressLine('cleaning up');
  // Each step whatever the one before did: the servers must go even when a client cannot close.
  await rig.watcher.stop().catch(() => undefined);
  await rig.producer.disconnect().catch(() => undefined);
  await rig.connection.close().catch(() => undefined);
  await stopRunning();
  cleanup.done(`done (relay log: ${rig.relayLog})`);
}

// After an interrupt, its handler exits once everything is stopped.
main().then(
  () => {
    if (!interrupted) process.exit(0);
  },
  (error: unknown) => {
    if (interrupted) return;
    console.error(`bench:fairness: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
