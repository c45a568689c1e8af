import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultKafkaVersion } from '../infra/localKafka';
import { temporalBinPackage } from '../infra/localTemporal';
import type { BacklogFigures } from './backlogDrain';
import type { IngestOnBrokersFigures } from './ingestOnBrokers';
import type { ReplayFigures } from './replayThroughput';
import type { RunCostFigures } from './runCost';
import type { StartLatencyFigures } from './startLatency';
import type { StartupFigures } from './serviceStartup';

/** Every figure of one `npm run bench`; a part left out (`--only`) is absent. */
export interface PerformanceFigures {
  readonly ceiling?: { readonly rate: number; readonly concurrency: number };
  readonly startLatency?: readonly StartLatencyFigures[];
  readonly latencyWithWorker?: StartLatencyFigures;
  readonly backlog?: BacklogFigures;
  readonly brokers?: IngestOnBrokersFigures;
  readonly replays?: ReplayFigures;
  readonly cost?: RunCostFigures;
  readonly startup?: StartupFigures;
}

/** One line of the table: a figure, the issue's goal for it, and whether it was met. */
interface Row {
  readonly goal: string;
  readonly figure: string;
  readonly target: string;
  readonly met?: boolean;
}

const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;
const ms = (value: number): string => `${value.toFixed(1)} ms`;
const rate = (value: number): string => `${value.toFixed(1)}/s`;

/** The machine and versions the figures came from. */
export function benchmarkEnvironment(): Record<string, string> {
  const cpu = os.cpus();
  const commit = (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return 'unknown';
    }
  })();
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string };
  return {
    machine: `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}`,
    versions: `research-relay ${pkg.version} (${commit}), Node ${process.version}, Kafka ${defaultKafkaVersion}, Temporal CLI ${temporalBinPackage.split('==')[1] ?? '?'} dev server`,
    date: new Date().toISOString(),
  };
}

function latencyRows(figures: PerformanceFigures): Row[] {
  const rows: Row[] = [];
  for (const at of figures.startLatency ?? []) {
    if (!at.direct) continue;
    const ratio = at.bridge.p99 / at.direct.p99;
    const p50Gap = at.bridge.p50 - at.direct.p50;
    rows.push({ goal: `1. start at ${rate(at.rate)}: bridge p50 / p99`, figure: `${ms(at.bridge.p50)} / ${ms(at.bridge.p99)}`, target: '' });
    rows.push({ goal: `   direct p50 / p99`, figure: `${ms(at.direct.p50)} / ${ms(at.direct.p99)}`, target: '' });
    rows.push({ goal: `   p99 ratio, p50 gap`, figure: `${ratio.toFixed(2)}, ${p50Gap >= 0 ? '+' : ''}${ms(p50Gap)}`, target: '≤ 1.25, ≤ 2 ms', met: ratio <= 1.25 && p50Gap <= 2 });
    const parts = at.breakdown;
    if (parts) {
      const part = (summary: { p50: number; p99: number }): string => `${ms(summary.p50)} / ${ms(summary.p99)}`;
      rows.push({ goal: '   bridge: to the consumer, in it, to Temporal', figure: `${part(parts.toConsumer)}; ${part(parts.inConsumer)}; ${part(parts.toTemporal)}`, target: 'p50 / p99' });
    }
    if (at.kafkaHop) rows.push({ goal: "   Kafka's own hop (bare kafkajs)", figure: `${ms(at.kafkaHop.p50)} / ${ms(at.kafkaHop.p99)}`, target: 'p50 / p99' });
  }
  const busy = figures.latencyWithWorker;
  if (busy) rows.push({ goal: `1. bridge with the worker running, ${rate(busy.rate)}`, figure: `p50 ${ms(busy.bridge.p50)}, p99 ${ms(busy.bridge.p99)}`, target: 'printed' });
  return rows;
}

function backlogRows(figures: PerformanceFigures): Row[] {
  const rows: Row[] = [];
  const { startup, backlog } = figures;
  if (startup) rows.push({ goal: '2. consumer-only RSS, idle', figure: mib(startup.consumerIdleRssBytes), target: '< 128 MiB', met: startup.consumerIdleRssBytes < 128 * 1048576 });
  if (backlog) {
    rows.push({ goal: `2. consumer peak RSS draining ${backlog.events}`, figure: mib(backlog.peakRssBytes), target: '< 192 MiB', met: backlog.peakRssBytes < 192 * 1048576 });
    rows.push({ goal: '   drain rate, CPU per 1,000 events', figure: `${rate(backlog.drainPerSecond)}, ${backlog.cpuMsPer1000.toFixed(0)} ms`, target: 'printed' });
  }
  const brokers = figures.brokers;
  if (brokers) {
    const { singleBroker: one, threeBrokers: three } = brokers;
    rows.push({ goal: `2. ingest of ${brokers.events}, 1 / 3 brokers: produced (acks=all)`, figure: `${rate(one.producePerSecond)} / ${rate(three.producePerSecond)} = ${(three.producePerSecond / one.producePerSecond).toFixed(2)}`, target: 'printed' });
    rows.push({ goal: '   drained by the consumer', figure: `${rate(one.drainPerSecond)} / ${rate(three.drainPerSecond)} = ${(three.drainPerSecond / one.drainPerSecond).toFixed(2)}`, target: 'printed' });
    rows.push({ goal: '   consumer CPU per 1,000; peak RSS', figure: `${one.cpuMsPer1000.toFixed(0)} / ${three.cpuMsPer1000.toFixed(0)} ms; ${mib(one.peakRssBytes)} / ${mib(three.peakRssBytes)}`, target: 'printed' });
  }
  return rows;
}

function replayRows(figures: PerformanceFigures): Row[] {
  const replays = figures.replays;
  if (!replays) return [];
  const ratio = replays.rerun / replays.directCeiling;
  return [
    { goal: `3. replay of ${replays.requests}: dry run`, figure: rate(replays.dryRun), target: 'printed' },
    { goal: '3. skip-existing (all runs exist)', figure: rate(replays.skipExisting), target: '≥ 1,000/s', met: replays.skipExisting >= 1000 },
    { goal: '3. rerun / direct start ceiling', figure: `${rate(replays.rerun)} / ${rate(replays.directCeiling)} = ${ratio.toFixed(2)}`, target: '≥ 0.90', met: ratio >= 0.9 },
  ];
}

function costRows(figures: PerformanceFigures): Row[] {
  const { cost, startup } = figures;
  const rows: Row[] = [];
  if (cost) {
    rows.push({ goal: `4. end to end (${cost.runs} runs, ${cost.failed} failed)`, figure: rate(cost.runsPerSecond), target: 'printed' });
    rows.push({ goal: '4. worker / Temporal CPU per run', figure: `${ms(cost.workerCpuMsPerRun)} / ${ms(cost.temporalCpuMsPerRun)}`, target: 'reduce' });
    rows.push({ goal: '4. history events per run', figure: cost.historyEventsPerRun.toFixed(1), target: 'reduce' });
  }
  if (startup) rows.push({ goal: '5. npm start → ready (median)', figure: `${ms(startup.readyMs)} (${startup.tries.map((t) => t.toFixed(0)).join(', ')})`, target: '≤ 2,000 ms', met: startup.readyMs <= 2000 });
  return rows;
}

/** The one table of every figure against its goal, with the machine and the versions. */
export function printPerformanceTable(figures: PerformanceFigures, environment: Record<string, string>): void {
  const rows = [...latencyRows(figures), ...backlogRows(figures), ...replayRows(figures), ...costRows(figures)];
  console.log('\n=== research-relay performance (npm run bench) ===');
  for (const [key, value] of Object.entries(environment)) console.log(`${key}: ${value}`);
  const width = Math.max(...rows.map((row) => row.goal.length));
  const figureWidth = Math.max(...rows.map((row) => row.figure.length));
  for (const row of rows) {
    const verdict = row.met === undefined ? '' : row.met ? '  met' : '  MISSED';
    console.log(`${row.goal.padEnd(width)}  ${row.figure.padEnd(figureWidth)}  ${row.target}${verdict}`);
  }
  const byType = figures.cost?.historyEventsByType;
  if (byType) console.log(`history events per run by type: ${Object.entries(byType).sort(([, a], [, b]) => b - a).map(([type, count]) => `${type} ${count.toFixed(1)}`).join(', ')}`);
}

/** Writes the figures as JSON (two runs compare with a diff); returns the path. */
export function writePerformanceJson(file: string, figures: PerformanceFigures, environment: Record<string, string>, options: object): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ ...environment, options, figures }, null, 2)}\n`);
  return file;
}
