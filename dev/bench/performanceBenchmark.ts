/**
 * `npm run bench`: what the relay costs and how fast it is, on private Kafka and Temporal servers
 * (fresh data each run) with the compiled relay in processes of its own as `npm start` runs it,
 * and the stand-in model at zero latency in another. Prints one table of every figure against
 * the performance goals, with the machine and the versions, and writes the figures as JSON.
 * Asserts nothing.
 *
 *  1. start latency: produced → started through the consumer against direct client starts at
 *     the same rate (half the start ceiling, 90 % of it), alternating, no worker polling; and
 *     the bridge with a worker running at half the end-to-end capacity
 *  2. the consumer's RSS idle and while draining a backlog, its drain rate and CPU per 1,000;
 *     the ingest (backlog produced with acks=all, then drained) on 1 broker and on a 3-broker cluster
 *  3. replays: dry run, skip-existing, rerun against the direct start ceiling of the same run
 *  4. cost per run: worker and Temporal CPU ms per completed run, history events per run
 *  5. start-up: `npm start` → ready (consumer joined, worker polling)
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { measureBacklogDrain } from './backlogDrain';
import { setUpBenchRig, stopBenchProcesses, type BenchRig } from './benchRig';
import { startCeiling } from './benchRequests';
import { bridgeBreakdown, hasAllProcessSpans } from './bridgeBreakdown';
import { measureIngestOnBrokers } from './ingestOnBrokers';
import { measureKafkaHop } from './kafkaHop';
import { benchmarkEnvironment, printPerformanceTable, writePerformanceJson, type PerformanceFigures } from './performanceReport';
import { measureReplays } from './replayThroughput';
import { measureRunCost } from './runCost';
import { measureStartLatency } from './startLatency';
import { measureStartup } from './serviceStartup';

const parts = ['startup', 'latency', 'cost', 'replay', 'backlog', 'brokers'] as const;
type Part = (typeof parts)[number];

const usage = `Usage: npm run bench [-- options]

  --only LIST         parts to run, comma-separated: ${parts.join(',')} (default: all)
  --latency-events N  events and direct starts per side and rate (default 300)
  --runs N            runs worked off end to end for the cost per run (default 500)
  --replay N          requests replayed in each mode (default 2000)
  --backlog N         events in the backlog the consumer drains (default 100000)
  --broker-backlog N  events in the backlog drained on 1 broker, then on a private 3-broker cluster (default 10000)
  --telemetry on|off  relay processes export spans to an OTLP receiver (default on)
  --json FILE         where the figures go as JSON (default .cache/bench/performance-<time>.json)`;

interface BenchOptions {
  readonly only: ReadonlySet<Part>;
  readonly latencyEvents: number;
  readonly runs: number;
  readonly replay: number;
  readonly backlog: number;
  readonly brokerBacklog: number;
  readonly telemetry: boolean;
  readonly json: string;
}

function readOptions(): BenchOptions | undefined {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', default: parts.join(',') },
      'latency-events': { type: 'string', default: '300' },
      runs: { type: 'string', default: '500' },
      replay: { type: 'string', default: '2000' },
      backlog: { type: 'string', default: '100000' },
      'broker-backlog': { type: 'string', default: '10000' },
      telemetry: { type: 'string', default: 'on' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const count = (name: 'latency-events' | 'runs' | 'replay' | 'backlog' | 'broker-backlog', min: number): number => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
    return value;
  };
  const only = values.only.split(',').map((part) => part.trim());
  const unknown = only.filter((part) => !(parts as readonly string[]).includes(part));
  if (unknown.length > 0) throw new Error(`--only takes ${parts.join(', ')} (got ${unknown.join(', ')})`);
  if (!['on', 'off'].includes(values.telemetry)) throw new Error('--telemetry must be on or off');
  const json = values.json ?? path.join(__dirname, '../../.cache/bench', `performance-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  return { only: new Set(only as Part[]), latencyEvents: count('latency-events', 10), runs: count('runs', 10), replay: count('replay', 10), backlog: count('backlog', 100), brokerBacklog: count('broker-backlog', 100), telemetry: values.telemetry === 'on', json };
}

async function measure(rig: BenchRig, options: BenchOptions): Promise<PerformanceFigures> {
  const figures: { -readonly [K in keyof PerformanceFigures]: PerformanceFigures[K] } = {};
  const wants = (part: Part): boolean => options.only.has(part);
  if (wants('startup')) figures.startup = await measureStartup(await rig.scope('startup'), 3, 5000);
  if (wants('latency') || wants('replay')) figures.ceiling = await startCeiling(rig.client, (await rig.scope('ceiling')).config, 'ceiling-', 400);
  if (wants('latency') && figures.ceiling) figures.startLatency = await startLatencies(rig, options, figures.ceiling.rate);
  if (wants('cost')) {
    figures.cost = await measureRunCost(rig, await rig.scope('cost'), options.runs);
    figures.latencyWithWorker = await latencyWithWorker(rig, options, figures.cost.runsPerSecond / 2);
  }
  if (wants('replay') && figures.ceiling) figures.replays = await measureReplays(rig, await rig.scope('replay'), options.replay, figures.ceiling.concurrency);
  if (wants('backlog')) figures.backlog = await measureBacklogDrain(await rig.scope('backlog'), options.backlog);
  if (wants('brokers')) figures.brokers = await measureIngestOnBrokers(rig, options.brokerBacklog);
  return figures;
}

/** Single-record produces and fetches that warm a fresh broker's JIT before the latency part. */
const kafkaWarmUpRecords = 4000;

/** Bridge against direct starts at half the ceiling and 90 % of it, a consumer-only relay running. */
async function startLatencies(rig: BenchRig, options: BenchOptions, ceiling: number): Promise<PerformanceFigures['startLatency']> {
  const scope = await rig.scope('latency');
  const consumer = await scope.startRelay('consumer');
  try {
    // Fresh servers (and a fresh consumer) run slower until their JIT has warmed up: a round of
    // the same traffic first, not counted. The broker takes a few thousand single-record produces
    // and fetches to warm (its hop falls from about 2 to 1.4 ms), more than that round gives it.
    await measureKafkaHop(rig, scope, 500, kafkaWarmUpRecords, `warming up Kafka (not counted)`);
    await measureStartLatency({ producer: rig.producer, client: rig.client, config: scope.config, rate: ceiling / 2, perSide: 200, block: 50, direct: true, label: 'warming up (not counted)', tag: 'warm' });
    const figures = [];
    for (const share of [0.5, 0.9]) {
      const rate = ceiling * share;
      const keep = rig.receiver?.keepSpans();
      const measured = await measureStartLatency({ producer: rig.producer, client: rig.client, config: scope.config, rate, perSide: options.latencyEvents, block: 50, direct: true, label: `start latency at ${rate.toFixed(0)}/s (${share * 100} % of the ceiling), bridge and direct alternating` });
      const spans = keep ? await keep.until((received) => hasAllProcessSpans(received, measured.bridgeTimings), 20_000) : undefined;
      const kafkaHop = await measureKafkaHop(rig, scope, rate, options.latencyEvents);
      figures.push({ ...measured.figures, ...(spans ? { breakdown: bridgeBreakdown(spans, measured.bridgeTimings) } : {}), kafkaHop });
    }
    return figures;
  } finally {
    await consumer.stop();
  }
}

/** The bridge alone while a worker works off what it starts (both roles in one relay, as `npm start`). */
async function latencyWithWorker(rig: BenchRig, options: BenchOptions, rate: number): Promise<PerformanceFigures['latencyWithWorker']> {
  const scope = await rig.scope('busy');
  const relay = await scope.startRelay('both');
  try {
    const events = Math.max(20, Math.min(options.latencyEvents, Math.round(rate * 60)));
    return (await measureStartLatency({ producer: rig.producer, client: rig.client, config: scope.config, rate, perSide: events, block: events, direct: false, label: `start latency at ${rate.toFixed(1)}/s with the worker running` })).figures;
  } finally {
    await relay.stop();
  }
}

let interrupted = false;

async function main(): Promise<void> {
  const options = readOptions();
  if (!options) {
    console.log(usage);
    return;
  }
  process.once('SIGINT', () => {
    interrupted = true;
    console.error('\nbench: interrupted, stopping the relay processes and the private servers');
    void stopBenchProcesses().finally(() => process.exit(130));
  });
  const rig = await setUpBenchRig({ telemetry: options.telemetry }).catch(async (error: unknown) => {
    await stopBenchProcesses();
    throw error;
  });
  try {
    console.log(`research-relay benchmark (telemetry ${rig.telemetry}; private Kafka and Temporal; ${os.cpus().length} CPUs): ${[...options.only].join(', ')}`);
    const figures = await measure(rig, options);
    const environment = { ...benchmarkEnvironment(), telemetry: rig.telemetry };
    printPerformanceTable(figures, environment);
    console.log(`figures as JSON: ${writePerformanceJson(options.json, figures, environment, { ...options, only: [...options.only] })}`);
  } finally {
    await rig.tearDown();
  }
}

main().then(
  () => {
    if (!interrupted) process.exit(0);
  },
  (error: unknown) => {
    if (interrupted) return;
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
