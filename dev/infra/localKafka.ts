import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { Kafka, logLevel } from 'kafkajs';
import { stopKafkajsIdleLoop } from '../../src/kafka/kafkajsIdleLoop';
import { type InfraPaths, kafkaPomPath } from './infraPaths';
import { ManagedProcess, sleep } from './managedProcess';
import { isPortOpen } from './portProbe';
import { ProgressLine } from './progressLine';
import { probeServiceState, type ServiceState } from './serviceState';

/** The Kafka release `infra:up` runs; 4.x works with kafkajs 2.2.4 (see README, "Versions"). */
export const defaultKafkaVersion = '4.3.1';

export interface LocalKafkaOptions {
  readonly host: string;
  readonly port: number;
  readonly controllerPort: number;
  readonly version: string;
  readonly heap: string;
  readonly paths: InfraPaths;
  /** Its place in a cluster (LocalKafkaCluster); unset: a lone node 1, every replication factor 1. */
  readonly member?: KafkaClusterMember;
}

/** What a node of a multi-node KRaft cluster needs beyond its ports and paths. */
export interface KafkaClusterMember {
  readonly nodeId: number;
  /** `controller.quorum.voters`, the same on every node: `1@127.0.0.1:19093,2@…`. */
  readonly quorumVoters: string;
  /** Every node is formatted with the same cluster id. */
  readonly clusterId: () => string;
  /** Replication factor of the internal topics and of topics created without one. */
  readonly replicationFactor: number;
  /** `min.insync.replicas` of the broker (and of the transaction log). */
  readonly minInsyncReplicas: number;
  /** Name of its pid and log files (`kafka-3-node-1`). */
  readonly processName: string;
}

export type { ServiceState } from './serviceState';

export class LocalKafka {
  private readonly process: ManagedProcess;

  constructor(private readonly options: LocalKafkaOptions) {
    this.process = new ManagedProcess(options.member?.processName ?? 'kafka', options.paths.pids, options.paths.logs);
  }

  get nodeId(): number {
    return this.options.member?.nodeId ?? 1;
  }

  get port(): number {
    return this.options.port;
  }

  get controllerPort(): number {
    return this.options.controllerPort;
  }

  get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  get logFile(): string {
    return this.process.logFile;
  }

  /** The pid of the broker we started, while it runs. */
  pid(): number | undefined {
    return this.process.livePid();
  }

  state(): Promise<ServiceState> {
    return probeServiceState({ process: this.process, host: this.options.host, port: this.options.port, answers: answersKafka, serverName: 'a Kafka broker', variable: 'KAFKA_BROKERS' });
  }

  /** Starts the broker unless one already answers; returns whether this call started it. */
  async up(): Promise<{ started: boolean; state: ServiceState }> {
    const before = await this.state();
    if (before.kind === 'ours' && (await this.answers())) {
      // The test tools (ConsoleProducer) run from the same jars: what the pom gained is fetched
      // now, beside the running broker's jars (another version waits for the next start).
      if (this.hasJarsOfVersion()) await this.ensureJars({ besideRunningBroker: true });
      return { started: false, state: before };
    }
    if (before.kind === 'external') return { started: false, state: before };
    if (before.kind === 'ours') {
      // Our process is alive but not answering yet (an earlier up still starting): wait for it.
      await this.waitUntilReady(before.pid);
      return { started: false, state: before };
    }
    const pid = await this.launch();
    await this.waitUntilReady(pid);
    return { started: true, state: { kind: 'ours', pid } };
  }

  /** Writes the config, formats the storage once and starts the JVM, without waiting for it to answer. */
  private async launch(): Promise<number> {
    if (await isPortOpen(this.options.host, this.options.controllerPort)) {
      throw new Error(`port ${this.options.controllerPort} (Kafka controller) on ${this.options.host} is already in use`);
    }
    const java = resolveJava();
    await this.ensureJars();
    this.writeConfig();
    this.formatStorage(java);
    return this.process.start(
      java,
      [
        `-Xmx${this.options.heap}`,
        `-Xms${this.options.heap}`,
        '-XX:+UseG1GC',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${this.options.paths.kafkaLog4j}`,
        '-cp',
        path.join(this.options.paths.kafkaLibs, '*'),
        'kafka.Kafka',
        this.options.paths.kafkaConfig,
      ],
      process.env,
    );
  }

  async down(): Promise<boolean> {
    return this.process.stop();
  }

  /**
   * Downloads the broker and tool jars with Maven once per Kafka version and pom content; later
   * runs find them in the cache. Beside a running broker nothing is removed or rewritten (it has
   * the jars open): what the pom gained is added, and the next start copies all afresh from the
   * local Maven repository, so jars the pom dropped or replaced go.
   */
  async ensureJars({ besideRunningBroker = false } = {}): Promise<void> {
    const libs = this.options.paths.kafkaLibs;
    const marker = path.join(libs, `.complete-${this.options.version}-${kafkaPomDigest()}`);
    const markedBeside = fs.existsSync(marker) && fs.readFileSync(marker, 'utf8').startsWith(besideMark);
    if (fs.existsSync(marker) && (besideRunningBroker || !markedBeside)) return;
    if (!besideRunningBroker) {
      fs.rmSync(libs, { recursive: true, force: true });
      fs.mkdirSync(libs, { recursive: true });
    }
    const progress = new ProgressLine(`Kafka ${this.options.version} jars from Maven Central`);
    let downloaded = 0;
    const child = spawn(
      'mvn',
      [
        // Batch mode prints one "Downloaded from" line per file, which we count.
        '-B',
        '-f',
        kafkaPomPath,
        `-Dmaven.repo.local=${this.options.paths.mavenRepo}`,
        `-Dkafka.version=${this.options.version}`,
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        '-Dmdep.overWriteReleases=false',
        '-Dmdep.overWriteSnapshots=false',
        '-Dmdep.overWriteIfNewer=false',
        `-DoutputDirectory=${this.options.paths.kafkaLibs}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output: string[] = [];
    const onLine = (line: string): void => {
      output.push(line);
      if (output.length > 200) output.shift();
      if (line.includes('Downloaded from')) {
        downloaded += 1;
        progress.update(`${downloaded} files downloaded`);
      }
    };
    readline.createInterface({ input: child.stdout }).on('line', onLine);
    readline.createInterface({ input: child.stderr }).on('line', onLine);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', (error) =>
        reject(new Error(`cannot run mvn (${error.message}); install Apache Maven to download Kafka`)),
      );
      child.once('close', resolve);
    });
    if (code !== 0) {
      throw new Error(`mvn failed to fetch Kafka ${this.options.version} (exit ${code}):\n${output.slice(-30).join('\n')}`);
    }
    const jars = fs.readdirSync(libs).filter((f) => f.endsWith('.jar')).length;
    for (const old of fs.readdirSync(libs).filter((f) => f.startsWith('.complete-'))) fs.rmSync(path.join(libs, old));
    fs.writeFileSync(marker, `${besideRunningBroker ? `${besideMark} ` : ''}${new Date().toISOString()}\n`);
    progress.done(`${jars} jars ready (${downloaded} files downloaded)`);
  }

  /** Whether the cache holds a complete download of this Kafka version (from any pom). */
  private hasJarsOfVersion(): boolean {
    const libs = this.options.paths.kafkaLibs;
    const names = fs.existsSync(libs) ? fs.readdirSync(libs) : [];
    return names.some((name) => name === `.complete-${this.options.version}` || jarsMarkerVersion(name) === this.options.version);
  }

  private writeConfig(): void {
    const { host, port, controllerPort, paths, member } = this.options;
    fs.mkdirSync(path.dirname(paths.kafkaConfig), { recursive: true });
    const replicas = member?.replicationFactor ?? 1;
    const minIsr = member?.minInsyncReplicas ?? 1;
    const properties = [
      member
        ? `# Written by LocalKafkaCluster: node ${member.nodeId}, a combined broker + controller (KRaft), static voters.`
        : '# Written by `npm run infra:up`: one combined broker + controller (KRaft), static voter.',
      'process.roles=broker,controller',
      `node.id=${this.nodeId}`,
      `controller.quorum.voters=${member?.quorumVoters ?? `1@${host}:${controllerPort}`}`,
      `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://${host}:${port}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      `log.dirs=${paths.kafkaData}`,
      // Every internal topic must fit on the brokers there are, or kafkajs reports
      // "group coordinator not available" forever.
      `offsets.topic.replication.factor=${replicas}`,
      'offsets.topic.num.partitions=10',
      `transaction.state.log.replication.factor=${replicas}`,
      `transaction.state.log.min.isr=${minIsr}`,
      `share.coordinator.state.topic.replication.factor=${replicas}`,
      `share.coordinator.state.topic.min.isr=${minIsr}`,
      // A production-like cluster: a topic created without settings is replicated, and an
      // acks=all write needs two copies.
      `default.replication.factor=${replicas}`,
      `min.insync.replicas=${minIsr}`,
      'group.initial.rebalance.delay.ms=0',
      'num.partitions=1',
      'auto.create.topics.enable=true',
      'log.retention.hours=168',
      '',
    ].join('\n');
    fs.writeFileSync(paths.kafkaConfig, properties);
    fs.writeFileSync(
      paths.kafkaLog4j,
      [
        'rootLogger.level=INFO',
        'rootLogger.appenderRef.stdout.ref=STDOUT',
        'appender.stdout.type=Console',
        'appender.stdout.name=STDOUT',
        'appender.stdout.layout.type=PatternLayout',
        'appender.stdout.layout.pattern=[%d] %p %m (%c)%n',
        'logger.kafka.name=kafka',
        'logger.kafka.level=INFO',
        'logger.state.name=state.change.logger',
        'logger.state.level=WARN',
        '',
      ].join('\n'),
    );
  }

  /** KRaft needs its metadata directory formatted once with a cluster id. */
  private formatStorage(java: string): void {
    const { paths } = this.options;
    if (fs.existsSync(path.join(paths.kafkaData, 'meta.properties'))) return;
    fs.mkdirSync(paths.kafkaData, { recursive: true });
    const clusterId = this.options.member?.clusterId() ?? newKafkaClusterId();
    const result = spawnSync(
      java,
      [
        `-Dlog4j2.configurationFile=${paths.kafkaLog4j}`,
        '-cp',
        path.join(paths.kafkaLibs, '*'),
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId,
        '-c',
        paths.kafkaConfig,
      ],
      { encoding: 'utf8' },
    );
    if (result.status !== 0) {
      throw new Error(`formatting Kafka storage failed:\n${result.stdout}\n${result.stderr}`);
    }
  }

  // A cluster's node also waits for the quorum: its peers' JVMs start on the same cores.
  private async waitUntilReady(pid: number, timeoutMs = this.options.member ? 240_000 : 120_000): Promise<void> {
    const progress = new ProgressLine(`Kafka ${this.options.member ? `node ${this.nodeId} ` : ''}on ${this.address}`);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.process.exited(pid)) {
        throw new Error(`Kafka exited while starting; last lines of ${this.process.logFile}:\n${this.process.logTail()}`);
      }
      if ((await isPortOpen(this.options.host, this.options.port)) && (await this.answers())) {
        progress.done('ready');
        return;
      }
      progress.update('waiting for the broker');
      await sleep(500);
    }
    throw new Error(`Kafka did not answer on ${this.address} within ${timeoutMs / 1000}s; see ${this.process.logFile}`);
  }

  /** A lone broker answers when it lists any broker; a cluster's node once it lists itself (registered, unfenced). */
  private answers(): Promise<boolean> {
    return answersKafka(this.address, this.options.member ? this.nodeId : undefined);
  }
}

/** A digest of kafka-pom.xml: a changed pom (a jar added) downloads again. */
function kafkaPomDigest(): string {
  return createHash('sha256').update(fs.readFileSync(kafkaPomPath)).digest('hex').slice(0, 16);
}

/** What a marker written beside a running broker starts with: the next start copies afresh. */
const besideMark = 'added beside a running broker';

/** The Kafka version of a `.complete-<version>-<pom digest>` marker (undefined for other names). */
function jarsMarkerVersion(name: string): string | undefined {
  return /^\.complete-(.+)-[0-9a-f]{16}$/.exec(name)?.[1];
}

/** True when a Kafka broker answers a metadata request at the address (listing `nodeId` among the brokers, when given). */
export async function answersKafka(address: string, nodeId?: number): Promise<boolean> {
  stopKafkajsIdleLoop();
  const kafka = new Kafka({
    clientId: 'research-relay-infra-probe',
    brokers: [address],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 2000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return nodeId === undefined ? cluster.brokers.length > 0 : cluster.brokers.some((broker) => broker.nodeId === nodeId);
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** JAVA_HOME's java, else the one on PATH; Kafka 4 needs Java 17 or newer. */
export function resolveJava(): string {
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const result = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (result.error) throw new Error(`cannot run ${java} (${result.error.message}); install a JDK 17 or newer`);
  const major = /version "(\d+)/.exec(result.stderr)?.[1];
  if (major === undefined || Number(major) < 17) {
    throw new Error(`Kafka ${defaultKafkaVersion} needs Java 17 or newer; ${java} reports: ${result.stderr.split('\n')[0]}`);
  }
  return java;
}

/**
 * A KRaft cluster id: 16 random bytes in URL-safe base64, as `kafka-storage random-uuid` prints
 * them — and, as Kafka's own Uuid.randomUuid does, never one that starts with `-`: the storage
 * tool would read it as an option (`--cluster-id/-t: expected one argument`), one start in 64.
 *
 * @example
 * newKafkaClusterId(); // 'mZ2a9pQ6RmWg3l9lQX0u2A'
 */
export function newKafkaClusterId(random: (size: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
