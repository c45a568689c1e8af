/**
 * The Kafka broker and Temporal server a chaos scenario runs against. Scenarios that take a
 * server down (3 and 4) need `control`: only private servers, started by the chaos run itself,
 * may be killed — never the shared ones other people are using.
 */
export interface ChaosServers {
  readonly kafkaBrokers: string;
  readonly temporalAddress: string;
  readonly control?: ServerControl;
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
}

/** The servers the environment points at (`KAFKA_BROKERS`, `TEMPORAL_ADDRESS`), with no control over them. */
export function serversFromEnv(env: NodeJS.ProcessEnv = process.env): ChaosServers {
  return { kafkaBrokers: env.KAFKA_BROKERS ?? '127.0.0.1:9092', temporalAddress: env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' };
}
