import { measureBacklogDrain, type BacklogFigures } from './backlogDrain';
import type { BenchRig } from './benchRig';

/** The ingest figures on the single broker and on a 3-broker cluster, measured alike in one run. */
export interface IngestOnBrokersFigures {
  readonly events: number;
  readonly singleBroker: BacklogFigures;
  /** Replication factor 3, min.insync.replicas 2 (the cluster's defaults), producer acks=all. */
  readonly threeBrokers: BacklogFigures;
}

/**
 * The backlog part's ingest measurement (a backlog produced with acks=all, then drained by a
 * consumer-only relay) twice with the same size: on the rig's single broker, then on a private
 * 3-broker KRaft cluster started for it (the same Temporal server) and stopped after. On two
 * shared cores only the ratio of the two says something, not either figure alone.
 */
export async function measureIngestOnBrokers(rig: BenchRig, events: number): Promise<IngestOnBrokersFigures> {
  const singleBroker = await measureBacklogDrain(await rig.scope('ingest-1-broker'), events);
  const cluster = await rig.kafkaCluster();
  try {
    const threeBrokers = await measureBacklogDrain(await cluster.scope('ingest-3-brokers'), events);
    return { events, singleBroker, threeBrokers };
  } finally {
    await cluster.stop();
  }
}
