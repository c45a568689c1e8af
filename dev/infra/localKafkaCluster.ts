import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { stopKafkajsIdleLoop } from '../../src/kafka/kafkajsIdleLoop';
import type { InfraPaths } from './infraPaths';
import { LocalKafka, newKafkaClusterId, resolveJava } from './localKafka';
import { isAlive, sleep } from './managedProcess';
import type { ServiceState } from './serviceState';

export interface LocalKafkaClusterOptions {
  readonly host: string;
  /** Client ports, one per node: their count is the cluster's size. */
  readonly ports: readonly number[];
  /** Controller ports, one per node. */
  readonly controllerPorts: readonly number[];
  readonly version: string;
  /** Heap of each node's JVM (`512m`): all of them share the machine's cores. */
  readonly heap: string;
  /** Downloads, logs and pids; the nodes' data go to `<dirname(kafkaData)>/cluster-<size>/`. */
  readonly paths: InfraPaths;
}

/** What a stop signal may be: SIGKILL (a crash) or SIGTERM (a controlled shutdown). */
export type NodeStopSignal = 'SIGKILL' | 'SIGTERM';

/** How long a node may take to obey SIGTERM (a controlled shutdown) before it gets SIGKILL. */
const termGraceMs = 120_000;

/** One node of a LocalKafkaCluster: a combined broker and controller in a JVM of its own. */
export class LocalKafkaNode {
  constructor(private readonly server: LocalKafka) {}

  get nodeId(): number {
    return this.server.nodeId;
  }

  /** Its client (PLAINTEXT) port. */
  get port(): number {
    return this.server.port;
  }

  get controllerPort(): number {
    return this.server.controllerPort;
  }

  /** `host:port` of its client listener. */
  get address(): string {
    return this.server.address;
  }

  get logFile(): string {
    return this.server.logFile;
  }

  /** The JVM's pid while it runs (its process group has the same id), else undefined. */
  pid(): Promise<number | undefined> {
    return Promise.resolve(this.server.pid());
  }

  /**
   * Signals the node's process group and resolves once the JVM has exited. SIGTERM runs Kafka's
   * controlled shutdown (leaders move away first); one not done within 120 s is ended with SIGKILL.
   * Throws when the node is not running.
   */
  async kill(signal: NodeStopSignal): Promise<void> {
    const pid = this.server.pid();
    if (pid === undefined) throw new Error(`Kafka node ${this.nodeId} (${this.address}) is not running`);
    process.kill(-pid, signal);
    const deadline = Date.now() + termGraceMs;
    while (isAlive(pid)) {
      if (signal === 'SIGTERM' && Date.now() > deadline) process.kill(-pid, 'SIGKILL');
      await sleep(50);
    }
  }

  /** Starts the node (unless it runs) and resolves once it answers as a registered broker. */
  async start(): Promise<void> {
    await this.server.up();
  }

  /** @internal start(), saying whether this call started the JVM. */
  up(): Promise<{ started: boolean }> {
    return this.server.up();
  }

  state(): Promise<ServiceState> {
    return this.server.state();
  }

  /** Stops it (SIGTERM, SIGKILL after a grace period); false when it was not running. */
  down(): Promise<boolean> {
    return this.server.down();
  }

  /** @internal The cluster fetches the jars once for all nodes. */
  ensureJars(): Promise<void> {
    return this.server.ensureJars();
  }
}

/**
 * A KRaft cluster of `ports.length` nodes on this machine, from the same jars as the single
 * `infra:up` broker. Every node is a combined broker + controller with the same static voters
 * (`controller.quorum.voters`), formatted with one cluster id; the internal topics and topics
 * created without settings are replicated min(3, size) times, with `min.insync.replicas` 2 from
 * three nodes on. Combined nodes keep it to one JVM per node on a 2-core machine; the price is
 * that killing a node takes a voter away too (see README, "Running in production → Kafka").
 *
 * @example
 * const cluster = new LocalKafkaCluster({ host: '127.0.0.1', ports: [9092, 9094, 9096], controllerPorts: [19093, 29093, 39093], version: defaultKafkaVersion, heap: '512m', paths: infraPaths() });
 * await cluster.up();
 * const leader = await cluster.leaderOf('research.requested', 0);
 * await cluster.nodes.find((node) => node.nodeId === leader)?.kill('SIGKILL');
 * // ... acks=all writes still succeed on the other two ...
 * await cluster.nodes.find((node) => node.nodeId === leader)?.start();
 * await cluster.waitInSync(['research.requested'], 120_000);
 * await cluster.down();
 */
export class LocalKafkaCluster {
  readonly nodes: readonly LocalKafkaNode[];
  /** Where the nodes keep their data and configuration: `<kafka>/cluster-<size>/node-<id>/`. */
  readonly directory: string;
  private clusterId: string | undefined;

  constructor(private readonly options: LocalKafkaClusterOptions) {
    const size = options.ports.length;
    if (size < 1 || options.controllerPorts.length !== size) {
      throw new Error(`a Kafka cluster needs one controller port per client port (got ${size} and ${options.controllerPorts.length})`);
    }
    this.directory = path.join(path.dirname(options.paths.kafkaData), `cluster-${size}`);
    const quorumVoters = options.controllerPorts.map((port, index) => `${index + 1}@${options.host}:${port}`).join(',');
    const replicationFactor = Math.min(3, size);
    this.nodes = options.ports.map((port, index) => {
      const nodeId = index + 1;
      const nodeDirectory = path.join(this.directory, `node-${nodeId}`);
      return new LocalKafkaNode(
        new LocalKafka({
          host: options.host,
          port,
          controllerPort: options.controllerPorts[index] ?? 0,
          version: options.version,
          heap: options.heap,
          paths: {
            ...options.paths,
            kafkaData: path.join(nodeDirectory, 'data'),
            kafkaConfig: path.join(nodeDirectory, 'server.properties'),
            kafkaLog4j: path.join(nodeDirectory, 'log4j2.properties'),
          },
          member: {
            nodeId,
            quorumVoters,
            clusterId: () => this.sharedClusterId(),
            replicationFactor,
            minInsyncReplicas: replicationFactor >= 3 ? 2 : 1,
            processName: `kafka-${size}-node-${nodeId}`,
          },
        }),
      );
    });
  }

  /** The bootstrap list: every node's `host:port`, comma-joined (what KAFKA_BROKERS takes). */
  get address(): string {
    return this.nodes.map((node) => node.address).join(',');
  }

  get size(): number {
    return this.nodes.length;
  }

  /**
   * Starts the nodes that do not run, all at once (a static quorum elects a leader only once a
   * majority runs), and resolves when every node answers as a registered broker. Returns whether
   * this call started any; `state` is the first node's.
   */
  async up(): Promise<{ started: boolean; state: ServiceState }> {
    await this.nodes[0]?.ensureJars();
    const results = await Promise.allSettled(this.nodes.map((node) => node.up()));
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) {
      // What this call started goes again: a half-started cluster is nobody's.
      const ours = this.nodes.filter((_, index) => { const result = results[index]; return result?.status === 'rejected' || result?.value.started === true; });
      await Promise.all(ours.map((node) => node.down()));
      throw failure.reason;
    }
    const started = results.some((result) => result.status === 'fulfilled' && result.value.started);
    return { started, state: (await this.nodes[0]?.state()) ?? { kind: 'stopped' } };
  }

  /** Stops every node we started, all at once; true when one was running. */
  async down(): Promise<boolean> {
    const stopped = await Promise.all(this.nodes.map((node) => node.down()));
    return stopped.some(Boolean);
  }

  /** `ours` while any node we started runs (its pid), `external` when foreign brokers answer, else `stopped`. */
  async state(): Promise<ServiceState> {
    const states = await Promise.all(this.nodes.map((node) => node.state()));
    return states.find((state) => state.kind === 'ours') ?? states.find((state) => state.kind === 'external') ?? { kind: 'stopped' };
  }

  /** Deletes the nodes' data and configuration (stop the cluster first). */
  removeData(): void {
    fs.rmSync(this.directory, { recursive: true, force: true });
    this.clusterId = undefined;
  }

  /**
   * The node id of the active controller (the KRaft quorum's leader), as Kafka's
   * MetadataQuorumCommand reports it. A broker's Metadata answer cannot tell: under KRaft it
   * names a random live broker as "controller".
   */
  async activeController(timeoutMs = 60_000): Promise<number> {
    const bootstrap = this.nodes.map((node) => `${this.options.host}:${node.controllerPort}`).join(',');
    const output = await this.runTool(['org.apache.kafka.tools.MetadataQuorumCommand', '--bootstrap-controller', bootstrap, 'describe', '--status'], timeoutMs);
    const leader = /^LeaderId:\s+(-?\d+)/m.exec(output)?.[1];
    if (leader === undefined || Number(leader) < 0) throw new Error(`the quorum has no leader now:\n${output}`);
    return Number(leader);
  }

  /** The node id leading a partition (-1 while it has none), from the brokers' metadata. */
  async leaderOf(topic: string, partition: number): Promise<number> {
    return this.withAdmin(async (admin) => {
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      const found = metadata.topics[0]?.partitions.find((entry) => entry.partitionId === partition);
      if (!found) throw new Error(`${topic} has no partition ${partition}`);
      return found.leader;
    });
  }

  /** Resolves once every partition of the topics has all its replicas in sync (ISR = replicas); else throws naming the laggards. */
  async waitInSync(topics: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lagging: string[] = ['(no answer yet)'];
    while (Date.now() < deadline) {
      lagging = await this.withAdmin(async (admin) => {
        const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
        return metadata.topics.flatMap((topic) =>
          topic.partitions
            .filter((entry) => entry.replicas.some((replica) => !entry.isr.includes(replica)))
            .map((entry) => `${topic.name}/${entry.partitionId} (replicas ${entry.replicas.join(',')}, in sync ${entry.isr.join(',')})`),
        );
      }).catch((error: unknown) => [`(${error instanceof Error ? error.message : String(error)})`]);
      if (lagging.length === 0) return;
      await sleep(250);
    }
    throw new Error(`replicas not in sync within ${timeoutMs} ms: ${lagging.join('; ')}`);
  }

  /** A cluster id read from a formatted node, else a new one: a node formatted later joins the same cluster. */
  private sharedClusterId(): string {
    if (this.clusterId !== undefined) return this.clusterId;
    for (const node of this.nodes.keys()) {
      const meta = path.join(this.directory, `node-${node + 1}`, 'data', 'meta.properties');
      const id = fs.existsSync(meta) ? /^cluster\.id=(.+)$/m.exec(fs.readFileSync(meta, 'utf8'))?.[1]?.trim() : undefined;
      if (id) return (this.clusterId = id);
    }
    return (this.clusterId = newKafkaClusterId());
  }

  private async withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
    stopKafkajsIdleLoop();
    const kafka = new Kafka({
      clientId: 'research-relay-cluster-probe',
      brokers: this.nodes.map((node) => node.address),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1000,
      requestTimeout: 10_000,
      // A killed node stays in the bootstrap list: another seed is tried.
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000 },
    });
    const admin = kafka.admin();
    try {
      await admin.connect();
      return await use(admin);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Runs one of Kafka's command-line tools (from the kafka-tools jar) and returns its stdout. */
  private async runTool(args: readonly string[], timeoutMs: number): Promise<string> {
    const log4j = path.join(this.directory, 'tools-log4j2.properties');
    fs.mkdirSync(this.directory, { recursive: true });
    fs.writeFileSync(log4j, 'rootLogger.level=ERROR\nrootLogger.appenderRef.stderr.ref=STDERR\nappender.stderr.type=Console\nappender.stderr.name=STDERR\nappender.stderr.target=SYSTEM_ERR\nappender.stderr.layout.type=PatternLayout\nappender.stderr.layout.pattern=%m%n\n');
    const jvm = ['-Xmx128m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', `-Dlog4j2.configurationFile=${log4j}`, '-cp', path.join(this.options.paths.kafkaLibs, '*')];
    const child = spawn(resolveJava(), [...jvm, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      const code = await new Promise<number | null>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', resolve);
      });
      if (code !== 0) throw new Error(`${args[0]} failed (exit ${code ?? 'killed after timeout'}):\n${stdout}${stderr}`);
      return stdout;
    } finally {
      clearTimeout(timer);
    }
  }
}
