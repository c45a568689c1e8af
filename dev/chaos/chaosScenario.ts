import type { Kafka } from 'kafkajs';
import type { FaultPlan, StandInServer } from '../standIn';
import type { ChaosRecord } from './chaosRecord';
import type { Tally } from './chaosLedger';
import type { ChaosScale } from './chaosScale';
import type { ServerControl } from './chaosServers';
import type { RelayFleet } from './relayFleet';
import type { RequestTraffic } from './requestTraffic';

/** What a scenario's driver works with while it runs. */
export interface ScenarioContext {
  readonly records: readonly ChaosRecord[];
  readonly traffic: RequestTraffic;
  readonly fleet: RelayFleet;
  readonly standIn: StandInServer;
  readonly scale: ChaosScale;
  /** The broker(s) and the scenario's request topic, for a driver that sends with a client of its own. */
  readonly kafkaBrokers: readonly string[];
  readonly requestTopic: string;
  /** The scenario's topic of research.completed events. */
  readonly completedTopic: string;
  /** Every topic of the scenario (requests, results, DLQ, progress, cancels): what must be in sync again after a broker fault. */
  readonly topics: readonly string[];
  /** A client of those brokers, for the driver's own reads (partition ends). */
  readonly kafka: Kafka;
  /** Control over the servers; throws for scenarios run on servers that are not ours. */
  serverControl(): ServerControl;
  /** Records observable proof that the injected fault really happened. */
  fired(proof: string): void;
  /** Records a detail worth printing under the table. */
  note(line: string): void;
  /** Marks the end of the last fault: the drain time counts from here. */
  faultEnded(): void;
  /** A progress line for the person watching. */
  log(line: string): void;
}

/** One chaos scenario: its records, its environment, and the driver that injects its fault. */
export interface ChaosScenario {
  readonly id: number;
  /** Short, for the table. */
  readonly title: string;
  /** What it does, for `--help` and the README. */
  readonly description: string;
  /** Kills or restarts servers, so it runs only where it owns them. */
  readonly needsServerControl: boolean;
  records(tag: string, scale: ChaosScale, seed: string): ChaosRecord[];
  /** Ingest consumers at the start (default 1). */
  readonly consumers?: number;
  /** Workers at the start (default 1). */
  readonly workers?: number;
  /** Runs on a private 3-broker cluster (3), or on the single broker (1, for a scenario that kills it); unset: where the run says (`--brokers`, default 1). */
  readonly brokers?: 1 | 3;
  /** Extra delay of every model answer (default 0). */
  readonly modelLatencyMs?: number;
  faultPlan?(seed: string): FaultPlan;
  /** Environment of the relay processes on top of the chaos defaults. */
  readonly env?: NodeJS.ProcessEnv;
  /** Sends the records and injects the fault; calls `faultEnded` when the last fault is over. */
  drive(context: ScenarioContext): Promise<void>;
  /** After the drain: proof that depends on the outcome (which DLQ reasons, which faults were served). */
  afterDrain?(context: ScenarioContext, tally: Tally): void;
}
