/**
 * The Kafka broker and Temporal server a chaos scenario runs against. Scenarios that take a
 * server down (3 and 4) need `control`: only private servers, started by the chaos run itself,
 * may be killed — never the shared ones other people are using.
 */
export interface ChaosServers {
  /** The single broker's bootstrap address (the cluster's where only a cluster was started). */
  readonly kafkaBrokers: string;
  readonly temporalAddress: string;
  readonly control?: ServerControl;
  /** A private 3-broker KRaft cluster beside it, for scenarios with `brokers: 3`; started only when one of them runs. */
  readonly cluster?: KafkaClusterServers;
}

/** A Kafka cluster of our own: where to reach it and what a scenario may do to it. */
export interface KafkaClusterServers {
  /** The bootstrap list, every node's `host:port` comma-joined. */
  readonly kafkaBrokers: string;
  readonly control: KafkaClusterControl;
}

/** One node (combined broker and controller) of a cluster a scenario owns. */
export interface KafkaNodeControl {
  readonly nodeId: number;
  /** The JVM's pid while it runs. */
  pid(): Promise<number | undefined>;
  /** Signals the node (SIGTERM: Kafka's controlled shutdown) and resolves once its JVM has exited. */
  kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Starts it again on the same ports and data, and resolves once it answers. */
  start(): Promise<void>;
}

/** What the cluster scenarios need to find their victim and to know the cluster is whole again (LocalKafkaCluster has it). */
export interface KafkaClusterControl {
  readonly nodes: readonly KafkaNodeControl[];
  /** The node id of the KRaft quorum's leader. */
  activeController(): Promise<number>;
  /** The node id leading the partition (-1 while it has none). */
  leaderOf(topic: string, partition: number): Promise<number>;
  /** Resolves once every partition of the topics has all its replicas in sync; throws after the time. */
  waitInSync(topics: readonly string[], timeoutMs: number): Promise<void>;
}

/** What a scenario may do to servers it owns. */
export interface ServerControl {
  /** SIGKILLs the broker process (no shutdown of any kind) and waits until it is gone; returns its pid. */
  killKafka(): Promise<number>;
  /** Starts the broker again on the same port and data directory, and waits until it answers. */
  startKafka(): Promise<void>;
  /** Stops the Temporal dev server (SIGTERM, as a restart by its supervisor would) and waits until it is gone. */
  stopTemporal(): Promise<void>;
  /** Starts it again on the same port and database, and waits until it answers. */
  startTemporal(): Promise<void>;
  /** The 3-broker cluster, when the run started one. */
  readonly cluster?: KafkaClusterControl;
}

/** The servers the environment points at (`KAFKA_BROKERS`, `TEMPORAL_ADDRESS`), with no control over them. */
export function serversFromEnv(env: NodeJS.ProcessEnv = process.env): ChaosServers {
  return { kafkaBrokers: env.KAFKA_BROKERS ?? '127.0.0.1:9092', temporalAddress: env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' };
}
