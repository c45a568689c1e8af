import { ConfigResourceTypes, type Kafka } from 'kafkajs';
import { goodRecords } from './chaosRecord';
import type { ChaosScenario, ScenarioContext } from './chaosScenario';
import type { KafkaClusterControl, KafkaNodeControl } from './chaosServers';
import { spreadRate } from './fleetRollingRestart';
import { sleep, untilAnswer } from './scenarioWaits';

/** How long a killed node stays away at least, while producing goes on. */
const downMs = 5000;
/** A node back must have every replica of the scenario's topics in sync within this (2 cores, three JVMs). */
const inSyncMs = 180_000;

function clusterOf(context: ScenarioContext): KafkaClusterControl {
  const cluster = context.serverControl().cluster;
  if (!cluster) throw new Error('no 3-broker cluster under control');
  return cluster;
}

function node(cluster: KafkaClusterControl, nodeId: number): KafkaNodeControl {
  const found = cluster.nodes.find((candidate) => candidate.nodeId === nodeId);
  if (!found) throw new Error(`the cluster has no node ${nodeId}`);
  return found;
}

/** The scenario's topics and the group offsets: all of them must be whole again before the next fault. */
function replicatedTopics(context: ScenarioContext): string[] {
  return [...context.topics, '__consumer_offsets'];
}

async function withAdmin<T>(kafka: Kafka, use: (admin: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * The promise on three brokers rests on every topic having 3 copies and refusing an acks=all
 * write with fewer than 2 in sync: checked on the topics themselves, before any fault.
 */
async function checkReplication(context: ScenarioContext): Promise<string> {
  const { topics } = context;
  const [metadata, configs] = await withAdmin(context.kafka, (admin) =>
    Promise.all([
      admin.fetchTopicMetadata({ topics: [...topics] }),
      admin.describeConfigs({ includeSynonyms: false, resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['min.insync.replicas'] })) }),
    ]),
  );
  const factors = new Set(metadata.topics.flatMap((topic) => topic.partitions.map((partition) => partition.replicas.length)));
  const minIsr = new Set(configs.resources.map((resource) => resource.configEntries.find((entry) => entry.configName === 'min.insync.replicas')?.configValue));
  const found = `replication factor ${[...factors].join('/')}, min.insync.replicas ${[...minIsr].join('/')} on ${topics.length} topics`;
  if (factors.size !== 1 || !factors.has(3) || minIsr.size !== 1 || !minIsr.has('2')) throw new Error(`the scenario's topics are not replicated as the cluster scenarios need (3 copies, min ISR 2): ${found}`);
  return found;
}

/** Records on the topic so far (sum of its partitions' high watermarks); retried while the cluster is electing. */
function recordsOn(kafka: Kafka, topic: string): Promise<number> {
  return untilAnswer(() => withAdmin(kafka, async (admin) => (await admin.fetchTopicOffsets(topic)).reduce((sum, partition) => sum + Number(partition.high), 0)), () => true, 30_000, `the ends of ${topic}`);
}

/** The partition of the topic holding the most records now (the lowest number on a tie). */
async function busiestPartition(kafka: Kafka, topic: string): Promise<{ partition: number; records: number }> {
  const ends = await withAdmin(kafka, (admin) => admin.fetchTopicOffsets(topic));
  const sorted = ends.map((end) => ({ partition: end.partition, records: Number(end.high) })).sort((a, b) => b.records - a.records || a.partition - b.partition);
  const busiest = sorted[0];
  if (!busiest) throw new Error(`${topic} has no partitions`);
  return busiest;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/**
 * Keeps a killed node away at least `downMs`, then until a write of the kind the scenario is
 * about got through without it (at most 30 s more: a dead broker is fenced only after its
 * session times out, and its partitions take no writes until then). Returns how many did.
 */
async function stayDown(killedAt: number, written: () => Promise<number>): Promise<number> {
  await sleep(Math.max(0, downMs - (Date.now() - killedAt)));
  const deadline = Date.now() + 30_000;
  let writes = await written();
  while (writes === 0 && Date.now() < deadline) {
    await sleep(500);
    writes = await written();
  }
  return writes;
}

/**
 * SIGKILLs the node leading the busiest partition of the requests or the results topic during
 * steady producing, keeps it down while a new leader serves, then starts it and waits until
 * every replica is in sync again. The proof: another node took the partition over, and writes
 * with acks=all went on meanwhile (requests from the upstream producer; results from the
 * relay's worker for the results topic).
 */
function leaderFailover(id: number, which: 'requests' | 'results'): ChaosScenario {
  return {
    id,
    title: `leader failover, ${which}`,
    description: `on a 3-broker cluster (replication factor 3, min.insync.replicas 2), while requests are produced steadily, the broker leading the busiest ${which === 'requests' ? 'requests' : 'research.completed'} partition is SIGKILLed, stays down at least ${downMs / 1000} s and until ${which} were acknowledged without it, and is started again; the fault ends once every replica of the scenario's topics and of the group offsets is back in sync`,
    needsServerControl: true,
    brokers: 3,
    records: (tag, scale) => goodRecords(tag, scale.requests),
    async drive(context) {
      const cluster = clusterOf(context);
      context.note(await checkReplication(context));
      const total = context.records.length;
      const topic = which === 'requests' ? context.requestTopic : context.completedTopic;
      const sending = context.traffic.sendSteadily(context.records, spreadRate(context, total, 25));
      await context.traffic.waitSent(Math.ceil(total / 3));
      if (which === 'results') await untilAnswer(() => recordsOn(context.kafka, topic), (count) => count > 0, 120_000, 'the first results');
      const busiest = await busiestPartition(context.kafka, topic);
      const leader = await cluster.leaderOf(topic, busiest.partition);
      const victim = node(cluster, leader);
      const pid = await victim.pid();
      const sentBefore = context.traffic.sent;
      const resultsBefore = await recordsOn(context.kafka, context.completedTopic);
      await victim.kill('SIGKILL');
      const killedAt = Date.now();
      context.log(`node ${leader} (pid ${String(pid)}), leader of ${topic}/${busiest.partition}, SIGKILLed after ${sentBefore}/${total} sent`);
      const next = await untilAnswer(() => cluster.leaderOf(topic, busiest.partition), (nodeId) => nodeId >= 0 && nodeId !== leader, 60_000, `a new leader of ${topic}/${busiest.partition}`);
      const electedMs = Date.now() - killedAt;
      const resultsSince = async (): Promise<number> => (await recordsOn(context.kafka, context.completedTopic)) - resultsBefore;
      // Requests: the upstream producer's writes; results: the worker's (acks=all both).
      await stayDown(killedAt, which === 'requests' ? () => Promise.resolve(context.traffic.sent - sentBefore) : resultsSince);
      const sentWhileDown = context.traffic.sent - sentBefore;
      const resultsWhileDown = await resultsSince();
      const downFor = Date.now() - killedAt;
      await victim.start();
      const startedAt = Date.now();
      await cluster.waitInSync(replicatedTopics(context), inSyncMs);
      context.faultEnded();
      const proof = `node ${leader} (pid ${String(pid)}), leader of ${topic}/${busiest.partition} (${busiest.records} records, the busiest), SIGKILLed after ${sentBefore}/${total} requests sent; node ${next} led the partition ${seconds(electedMs)} later; in the ${seconds(downFor)} it was down, ${count(sentWhileDown, 'request')} and ${count(resultsWhileDown, 'result')} acknowledged (acks=all); started again, every replica in sync ${seconds(Date.now() - startedAt)} later`;
      const wrote = which === 'requests' ? sentWhileDown > 0 : resultsWhileDown > 0;
      if (pid !== undefined && wrote) context.fired(proof);
      else context.note(`${proof} (no ${which} written while it was down)`);
      await sending;
      context.note(`producer sends retried: ${context.traffic.retries}; relay steps retried: ${context.fleet.retriesTotal()}`);
    },
  };
}

/** Every node in turn: SIGTERM (Kafka's controlled shutdown moves its leaders away first), start, all replicas in sync before the next. */
const rollingBrokerRestart: ChaosScenario = {
  id: 12,
  title: 'rolling broker restart',
  description: 'on the 3-broker cluster, while requests are produced steadily, each broker in turn is SIGTERMed (controlled shutdown), started again, and every replica of the scenario\'s topics and of the group offsets must be in sync before the next one goes',
  needsServerControl: true,
  brokers: 3,
  records: (tag, scale) => goodRecords(tag, scale.requests),
  async drive(context) {
    const cluster = clusterOf(context);
    context.note(await checkReplication(context));
    const total = context.records.length;
    // Three restarts take about a minute on two cores: producing is spread over it.
    const sending = context.traffic.sendSteadily(context.records, spreadRate(context, total, 60));
    await context.traffic.waitSent(Math.ceil(total / 10));
    const steps: string[] = [];
    let restarted = 0;
    const sentBefore = context.traffic.sent;
    for (const each of cluster.nodes) {
      const began = Date.now();
      const pid = await each.pid();
      await each.kill('SIGTERM');
      const stoppedMs = Date.now() - began;
      await each.start();
      const after = await each.pid();
      await cluster.waitInSync(replicatedTopics(context), inSyncMs);
      if (pid !== undefined && after !== undefined && after !== pid) restarted += 1;
      steps.push(`node ${each.nodeId} stopped in ${seconds(stoppedMs)}, back in sync after ${seconds(Date.now() - began)} (${context.traffic.sent}/${total} sent)`);
      context.log(steps.at(-1) ?? '');
    }
    context.faultEnded();
    const sentDuring = context.traffic.sent - sentBefore;
    const proof = `${steps.join('; ')}; ${sentDuring} requests acknowledged during the roll`;
    if (restarted === cluster.nodes.length && sentDuring > 0) context.fired(proof);
    else context.note(`${proof} (${restarted} of ${cluster.nodes.length} nodes restarted)`);
    await sending;
    context.note(`producer sends retried: ${context.traffic.retries}; relay steps retried: ${context.fleet.retriesTotal()}`);
  },
};

/** The active controller (the KRaft quorum's leader) SIGKILLed; as every node is also a broker, it takes its partitions' leadership with it. */
const controllerLoss: ChaosScenario = {
  id: 13,
  title: 'controller loss',
  description: `on the 3-broker cluster, while requests are produced steadily, the node that is the active KRaft controller (also a broker: every node is both) is SIGKILLed; another node must become the active controller; it stays down at least ${downMs / 1000} s and until requests were acknowledged without it, is started again and every replica must be back in sync`,
  needsServerControl: true,
  brokers: 3,
  records: (tag, scale) => goodRecords(tag, scale.requests),
  async drive(context) {
    const cluster = clusterOf(context);
    context.note(await checkReplication(context));
    const total = context.records.length;
    const sending = context.traffic.sendSteadily(context.records, spreadRate(context, total, 30));
    await context.traffic.waitSent(Math.ceil(total / 3));
    const controller = await cluster.activeController();
    const victim = node(cluster, controller);
    const pid = await victim.pid();
    const sentBefore = context.traffic.sent;
    await victim.kill('SIGKILL');
    const killedAt = Date.now();
    context.log(`node ${controller} (pid ${String(pid)}), the active controller, SIGKILLed after ${sentBefore}/${total} sent`);
    // Each question starts Kafka's MetadataQuorumCommand (a JVM, seconds on two cores).
    const next = await untilAnswer(() => cluster.activeController(), (nodeId) => nodeId !== controller, 90_000, 'another active controller', 500);
    const electedMs = Date.now() - killedAt;
    const sentWhileDown = await stayDown(killedAt, () => Promise.resolve(context.traffic.sent - sentBefore));
    const downFor = Date.now() - killedAt;
    await victim.start();
    const startedAt = Date.now();
    await cluster.waitInSync(replicatedTopics(context), inSyncMs);
    context.faultEnded();
    const proof = `node ${controller} (pid ${String(pid)}), the active controller, SIGKILLed after ${sentBefore}/${total} sent; node ${next} was the active controller ${seconds(electedMs)} later (as seen by MetadataQuorumCommand); ${count(sentWhileDown, 'request')} acknowledged in the ${seconds(downFor)} it was down; started again, every replica in sync ${seconds(Date.now() - startedAt)} later`;
    if (pid !== undefined && sentWhileDown > 0) context.fired(proof);
    else context.note(`${proof} (nothing written while it was down)`);
    await sending;
    context.note(`producer sends retried: ${context.traffic.retries}; relay steps retried: ${context.fleet.retriesTotal()}`);
  },
};

/** The scenarios on the 3-broker cluster, in the order of the table. */
export const clusterScenarios: readonly ChaosScenario[] = [leaderFailover(10, 'requests'), leaderFailover(11, 'results'), rollingBrokerRestart, controllerLoss];
