import { fork } from 'node:child_process';
import path from 'node:path';
import { ensureTopics } from '../../src/kafka/topicProvisioner';
import { ProgressLine } from '../infra/progressLine';
import { percentile } from './benchmarkFigures';
import type { BenchRig, BenchScope } from './benchRig';
import { paced, type LatencySummary } from './startLatency';

/** Records produced (and not counted) before the timed ones: the new group's first fetches. */
const warmUpRecords = 50;

/**
 * Kafka's own hop, the floor under the bridge's "record → consumer" part: `count` records
 * produced at `rate` by the benchmark's producer (timestamp = the send's Date.now(), as for the
 * bridge) to a new topic with the relay's partition count, read by bare kafkajs in a process of its own
 * (kafkaHopConsumer.ts: the relay's client and consumer settings, eachBatch); time = record
 * timestamp → eachBatch's Date.now(), in whole milliseconds as the bridge's "to the consumer" part is
 * (its span starts on Date.now()). Also what warms a fresh broker before the latency part.
 */
export async function measureKafkaHop(rig: BenchRig, scope: BenchScope, rate: number, count: number, label = `Kafka's own hop at ${rate.toFixed(0)}/s (bare kafkajs)`): Promise<LatencySummary> {
  const progress = new ProgressLine(label);
  const topic = `${scope.config.topics.requested}.kafka-hop-${Date.now()}`;
  const admin = rig.kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [topic], scope.config.topicPartitions).finally(() => admin.disconnect());
  const child = fork(path.join(__dirname, 'kafkaHopConsumer.ts'), { env: { ...scope.env, HOP_TOPIC: topic, HOP_GROUP: `kafka-hop-${Date.now()}` }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const latencies: number[] = [];
  const exited = new Promise<never>((_resolve, reject) => child.once('exit', (code) => reject(new Error(`the Kafka-hop consumer exited (${code}) before it was done`))));
  exited.catch(() => undefined);
  try {
    const joined = new Promise<void>((resolve) => child.on('message', (message: { joined?: boolean; latencies?: number[] }) => (message.joined ? resolve() : latencies.push(...(message.latencies ?? [])))));
    let joinTimer: NodeJS.Timeout | undefined;
    const joinDeadline = new Promise<never>((_resolve, reject) => (joinTimer = setTimeout(() => reject(new Error('the Kafka-hop consumer did not join its group within 60 s')), 60_000)));
    await Promise.race([joined, exited, joinDeadline]).finally(() => clearTimeout(joinTimer));
    const ids = Array.from({ length: warmUpRecords + count }, (_, i) => i);
    await paced(ids, rate, (i) => rig.producer.send({ topic, acks: -1, messages: [{ key: `hop-${i}`, value: 'kafka hop', timestamp: String(Date.now()) }] }).then(() => undefined));
    const deadline = Date.now() + 60_000;
    while (latencies.length < ids.length) {
      if (Date.now() > deadline) throw new Error(`the Kafka-hop consumer read ${latencies.length} of ${ids.length} records within 60 s of the last send`);
      await Promise.race([new Promise((resolve) => setTimeout(resolve, 20)), exited]);
      progress.update(`${latencies.length}/${ids.length} consumed`);
    }
  } finally {
    if (child.connected) child.disconnect();
  }
  const timed = latencies.slice(warmUpRecords);
  progress.done(`${timed.length} records`);
  return { p50: percentile(timed, 50), p99: percentile(timed, 99), count: timed.length };
}
