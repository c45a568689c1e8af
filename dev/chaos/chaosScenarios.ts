import { createSeededRandom } from '../standIn/seededRandom';
import { goodRecords, type ChaosRecord } from './chaosRecord';
import type { Tally } from './chaosLedger';
import type { ChaosScale } from './chaosScale';
import type { ChaosScenario, ScenarioContext } from './chaosScenario';
import { goodShares, hostileRound, HostileSender, isHostile, type HostileRecord } from './hostileRecords';
import { modelFaultStorm } from './modelFaultStorm';
import { poisonRecords } from './poisonRecords';
import { clusterScenarios } from './clusterFailovers';
import { fleetRollingRestart } from './fleetRollingRestart';
import { first, until } from './scenarioWaits';

const goodOnly = (tag: string, scale: { requests: number }): ChaosRecord[] => goodRecords(tag, scale.requests);

const consumerKill: ChaosScenario = {
  id: 1,
  title: 'SIGKILL consumer mid-batch',
  description: 'all requests are produced at once; the consumer is SIGKILLed after a third of them started their runs (offsets not yet committed), then started again: redelivered records must not start second runs',
  needsServerControl: false,
  records: goodOnly,
  // Few starts in flight, so the kill lands inside the batch rather than after it.
  env: { INGEST_CONCURRENCY: '2' },
  async drive(context) {
    const consumer = first(context.fleet.live('consumer'), 'consumer');
    const total = context.records.length;
    const sending = context.traffic.sendAll(context.records);
    await until(() => consumer.started >= Math.ceil(total / 3), 120_000, 'a third of the runs to start');
    const exit = await context.fleet.signal(consumer, 'SIGKILL');
    const startedBefore = consumer.started;
    if (exit.signal === 'SIGKILL' && startedBefore < total) context.fired(`consumer pid ${consumer.pid ?? '?'} SIGKILLed after ${startedBefore}/${total} starts`);
    await sending;
    const restarted = await context.fleet.start('consumer');
    context.faultEnded();
    context.note(`restarted consumer ${restarted.name} is running`);
  },
  afterDrain(context) {
    context.note(`redelivered after the kill, found their run already there: ${context.fleet.duplicatesTotal()}`);
  },
};

const workerKill: ChaosScenario = {
  id: 2,
  title: 'SIGKILL worker mid-activity',
  description: 'model answers take 500 ms; once a quarter of the model calls were made the worker is SIGKILLed with calls in flight, then started again: its activities time out and run again on the new worker',
  needsServerControl: false,
  records: goodOnly,
  modelLatencyMs: 500,
  async drive(context) {
    const worker = first(context.fleet.live('worker'), 'worker');
    await context.traffic.sendAll(context.records);
    // Kill right after a call arrived: it is still waiting out its 500 ms, so it is in flight.
    const inFlight = (): boolean => {
      const calls = context.standIn.calls();
      const last = calls.at(-1);
      return calls.length >= context.records.length && last !== undefined && Date.now() - Date.parse(last.at) < 200;
    };
    await until(inFlight, 180_000, 'a quarter of the model calls, one of them in flight');
    const exit = await context.fleet.signal(worker, 'SIGKILL');
    const cut = await waitForCutCalls(context);
    if (exit.signal === 'SIGKILL' && cut > 0) context.fired(`worker pid ${worker.pid ?? '?'} SIGKILLed with ${cut} model call(s) in flight (answered 499)`);
    await context.fleet.start('worker');
    context.faultEnded();
  },
};

/** Calls whose client went away before the answer: the stand-in marks them 499 when the socket closes. */
async function waitForCutCalls(context: ScenarioContext): Promise<number> {
  const count = (): number => context.standIn.calls().filter((call) => call.status === 499).length;
  await until(() => count() > 0, 5000, 'the killed calls to show').catch(() => undefined);
  return count();
}

const brokerKill: ChaosScenario = {
  id: 3,
  title: 'SIGKILL Kafka broker',
  // It kills the single broker; the cluster's nodes have scenarios of their own (10–13).
  brokers: 1,
  description: 'requests are produced steadily; after a third, the (private) broker is SIGKILLed, stays down a few seconds and is started again on the same data; producer, consumer and worker must ride it out',
  needsServerControl: true,
  records: goodOnly,
  async drive(context) {
    const control = context.serverControl();
    const sending = context.traffic.sendSteadily(context.records, context.scale.ratePerSecond);
    await context.traffic.waitSent(Math.ceil(context.records.length / 3));
    const pid = await control.killKafka();
    const killedAt = Date.now();
    context.log(`broker pid ${pid} SIGKILLed after ${context.traffic.sent} records`);
    await new Promise((resolve) => setTimeout(resolve, 4000));
    await control.startKafka();
    context.faultEnded();
    context.fired(`broker pid ${pid} SIGKILLed after ${context.traffic.sent} records sent, answering again ${((Date.now() - killedAt) / 1000).toFixed(1)} s later`);
    await sending;
    context.note(`producer sends retried while the broker was away: ${context.traffic.retries}; relay steps retried: ${context.fleet.retriesTotal()}`);
  },
};

const temporalRestart: ChaosScenario = {
  id: 4,
  title: 'restart Temporal server',
  description: 'requests are produced steadily; after a third, the (private) Temporal dev server is stopped, stays down a few seconds and is started again on the same database; the consumer backs off without dead-lettering and the worker reconnects',
  needsServerControl: true,
  records: goodOnly,
  async drive(context) {
    const control = context.serverControl();
    const sending = context.traffic.sendSteadily(context.records, context.scale.ratePerSecond);
    await context.traffic.waitSent(Math.ceil(context.records.length / 3));
    const stoppedAt = Date.now();
    const sentBefore = context.traffic.sent;
    const retriesBefore = context.fleet.retriesTotal();
    await control.stopTemporal();
    context.log(`Temporal stopped after ${sentBefore} records`);
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const sentWhileDown = context.traffic.sent - sentBefore;
    await control.startTemporal();
    context.faultEnded();
    context.fired(`Temporal stopped after ${sentBefore} records sent, serving again ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s later; ${sentWhileDown} records sent while it was down`);
    await sending;
    context.note(`"failed; retrying" warnings from the relay meanwhile: ${context.fleet.retriesTotal() - retriesBefore}`);
  },
};

const poisonMix: ChaosScenario = {
  id: 5,
  title: 'good + poison records',
  description: 'good requests shuffled with as many poison records (not JSON, schema violations, wrong ce_specversion / ce_type, key mismatch, 100 KB plain and 2 MB gzip values, a 201-character id; good ids of 200 and 1 characters): each poison record must end as one DLQ record, each good one as one run',
  needsServerControl: false,
  records(tag, scale, seed) {
    const records = [...goodRecords(tag, scale.mixed, true), ...poisonRecords(tag, scale.mixed)];
    const random = createSeededRandom(`chaos-mix:${seed}`);
    for (let index = records.length - 1; index > 0; index -= 1) {
      const other = random.int(0, index);
      [records[index], records[other]] = [records[other] as ChaosRecord, records[index] as ChaosRecord];
    }
    return records;
  },
  async drive(context) {
    await context.traffic.sendAll(context.records);
    context.faultEnded();
  },
  afterDrain(context, tally) {
    const expected = new Set(context.records.flatMap((record) => (record.reason ? [record.reason] : [])));
    const missing = [...expected].filter((reason) => !tally.dlqReasons[reason]);
    const reasons = Object.entries(tally.dlqReasons).map(([reason, count]) => `${reason} ${count}`).join(', ');
    if (missing.length === 0) context.fired(`DLQ reasons: ${reasons}`);
    else context.note(`DLQ reasons: ${reasons}; never given: ${missing.join(', ')}`);
  },
};

const modelStorm: ChaosScenario = {
  id: 6,
  title: 'model fault storm (30 %)',
  description: '30 % of model calls answer 429 with Retry-After, 500, time out (answer after the client timeout) or return malformed JSON, in equal share (three of each in every 40 calls) at seeded positions; every run must still end with exactly one terminal event',
  needsServerControl: false,
  records: goodOnly,
  faultPlan: (seed) => modelFaultStorm(seed),
  async drive(context) {
    await context.traffic.sendAll(context.records);
    context.faultEnded();
  },
  afterDrain(context) {
    const calls = context.standIn.calls();
    const served = new Map<string, number>();
    for (const call of calls) {
      if (!call.fault || call.fault === 'ok') continue;
      const kind = call.fault === 'status' ? String(call.status) : call.fault;
      served.set(kind, (served.get(kind) ?? 0) + 1);
    }
    const faults = [...served.values()].reduce((sum, count) => sum + count, 0);
    const detail = `${faults} of ${calls.length} model calls faulted (${((100 * faults) / Math.max(1, calls.length)).toFixed(0)} %): ${[...served].map(([kind, count]) => `${kind} ${count}`).join(', ')}`;
    if (served.size === 4) context.fired(detail);
    else context.note(`${detail}; expected 429, 500, delay and malformed`);
  },
};

const groupChurn: ChaosScenario = {
  id: 7,
  title: '3 consumers, join/leave',
  description: 'three consumers share the group while requests are produced steadily; mid-stream one leaves in order (SIGTERM), one joins, one crashes out (SIGKILL, its session expires), one joins',
  needsServerControl: false,
  records: goodOnly,
  consumers: 3,
  async drive(context) {
    const total = context.records.length;
    const sending = context.traffic.sendSteadily(context.records, context.scale.ratePerSecond);
    const at = (share: number): Promise<void> => context.traffic.waitSent(Math.ceil(total * share));
    const changes: string[] = [];
    await at(0.2);
    const leaving = first(context.fleet.live('consumer'), 'consumer');
    const left = await context.fleet.signal(leaving, 'SIGTERM');
    changes.push(`${leaving.name} left (${left.code === 0 ? 'exit 0' : `exit ${String(left.code)}`})`);
    await at(0.35);
    changes.push(`${(await context.fleet.start('consumer')).name} joined at ${context.traffic.sent}/${total} sent`);
    await at(0.5);
    const crashing = first(context.fleet.live('consumer'), 'consumer');
    const crashed = await context.fleet.signal(crashing, 'SIGKILL');
    changes.push(`${crashing.name} killed (${crashed.signal ?? 'no signal'})`);
    await at(0.65);
    changes.push(`${(await context.fleet.start('consumer')).name} joined at ${context.traffic.sent}/${total} sent`);
    context.faultEnded();
    if (left.code === 0 && crashed.signal === 'SIGKILL') context.fired(changes.join(', '));
    else context.note(changes.join(', '));
    await sending;
  },
  afterDrain(context) {
    context.note(`starts per consumer: ${context.fleet.processes.filter((relay) => relay.role === 'consumer').map((relay) => `${relay.name} ${relay.started}`).join(', ')}`);
  },
};

/** Rounds of hostile records in scenario 8: each follows a share of the good requests, and a last share follows them all. */
function hostileRounds(scale: ChaosScale): number {
  return scale.name === 'full' ? 5 : 1;
}

const hostileClient: ChaosScenario = {
  id: 8,
  title: 'hostile records, Java client',
  description:
    "good requests (1,000 at full scale) interleaved with hostile records from a second, non-kafkajs client, Apache Kafka's Java console producer: null header values, 20,000 headers, a gzip bomb past the inflated-batch cap, snappy and lz4 batches, lone surrogates, a request id reused for another question, cancels on the requests topic, keyless records, text that is not JSON, an unknown ce_type; and from kafkajs what the console producer cannot write (bytes that are not UTF-8, stamps 30 min ahead and 3 days old). Each must end as one DLQ record with its reason, or (null header values on a valid request, zstd) as one run, and the requests behind them must run",
  needsServerControl: false,
  // Above the gzip bomb's 20 MiB even where the cap is left at its default; ages are judged (expired, future-timestamp).
  env: { INGEST_MAX_INFLATED_BATCH_BYTES: String(4 * 1024 * 1024), REQUEST_MAX_AGE_MS: String(86_400_000) },
  records(tag, scale, seed) {
    const good = goodRecords(tag, scale.mixed);
    const shares = goodShares(good, hostileRounds(scale));
    const hostile = Array.from({ length: hostileRounds(scale) }, (_, round) => {
      const share = shares[round] ?? [];
      const target = (index: number): string => share[index]?.key ?? share[0]?.key ?? `${tag}-g0`;
      return hostileRound(tag, round, [target(0), target(1)], seed);
    });
    return [...good, ...hostile.flat()];
  },
  async drive(context) {
    const hostile = context.records.filter(isHostile);
    const rounds = hostileRounds(context.scale);
    const shares = goodShares(context.records.filter((record) => !isHostile(record)), rounds);
    const sender = new HostileSender(context.kafkaBrokers, context.requestTopic);
    await sender.connect();
    try {
      for (let round = 0; round < rounds; round += 1) {
        await context.traffic.sendAll(shares[round] ?? []);
        await sender.send(hostile.filter((record) => record.round === round));
        context.log(`round ${round + 1}/${rounds}: ${context.traffic.sent} good requests sent; hostile records ${sender.sent.console} by the Java console producer, ${sender.sent.kafkajs} by kafkajs`);
      }
      // The last share follows every hostile record: a stalled partition would hold it up.
      await context.traffic.sendAll(shares[rounds] ?? []);
    } finally {
      await sender.disconnect();
    }
    context.faultEnded();
    context.note(`hostile records sent: ${sender.sent.console} by the Java console producer, ${sender.sent.kafkajs} by kafkajs; ${shares[rounds]?.length ?? 0} good requests after the last of them`);
  },
  afterDrain(context, tally) {
    const hostile = context.records.filter(isHostile);
    const rows = hostileReasonRows(hostile, tally);
    for (const line of ['| DLQ reason | expected | dead-lettered |', '| --- | ---: | ---: |', ...rows.map(({ reason, expected, found }) => `| ${reason} | ${expected} | ${found} |`)]) context.log(line);
    const ran = hostile.filter((record) => record.expect === 'good').length;
    const reasons = rows.map(({ reason, expected, found }) => (expected === found ? `${reason} ${found}` : `${reason} ${found} (expected ${expected})`)).join(', ');
    if (rows.every(({ expected, found }) => expected === found) && tally.lost === 0) context.fired(`every hostile record dead-lettered with its reason: ${reasons}; ${ran} valid ones from the Java client (null header values, zstd) ran`);
    else context.note(`DLQ reasons: ${reasons}`);
  },
};

/** Reason → how many hostile records should have it, and how many DLQ records have it. */
function hostileReasonRows(hostile: readonly HostileRecord[], tally: Tally): { reason: string; expected: number; found: number }[] {
  const expected = new Map<string, number>();
  for (const record of hostile) if (record.reason) expected.set(record.reason, (expected.get(record.reason) ?? 0) + 1);
  const reasons = [...new Set([...expected.keys(), ...Object.keys(tally.dlqReasons)])].sort();
  return reasons.map((reason) => ({ reason, expected: expected.get(reason) ?? 0, found: tally.dlqReasons[reason] ?? 0 }));
}

/** Every scenario, in the order of the table. */
export const chaosScenarios: readonly ChaosScenario[] = [consumerKill, workerKill, brokerKill, temporalRestart, poisonMix, modelStorm, groupChurn, hostileClient, fleetRollingRestart, ...clusterScenarios];

export function scenarioById(id: number): ChaosScenario {
  const scenario = chaosScenarios.find((candidate) => candidate.id === id);
  if (!scenario) throw new Error(`no scenario ${id} (there are ${chaosScenarios.length})`);
  return scenario;
}
