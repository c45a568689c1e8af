import type { State as WorkerState } from '@temporalio/worker';
import type { GroupMembership } from '../../consumers/ingestConsumer';
import type { Reachability } from '../../src/temporal/temporalReachability';
import type { ProbeCheck, ProbeChecks } from './serviceHttpServer';

/** What the probes look at: the roles configured and how far each has come. */
export interface ProbedService {
  readonly roles: { readonly consumer: boolean; readonly worker: boolean };
  /** Set once stop() began: the process is going away, whatever its parts say. */
  readonly stopping: boolean;
  /** Undefined until the ingest consumer runs. */
  readonly consumer?: { readonly groupMembership: GroupMembership };
  /** Why the ingest consumer is gone for good (kafkajs will not restart it). */
  readonly consumerCrash?: Error;
  /** Undefined until the worker exists. */
  readonly worker?: { getState(): WorkerState };
  readonly taskQueue: string;
  /** One check per Temporal connection of the process (the consumer's client, the worker's). */
  readonly temporal: readonly (() => Promise<Reachability>)[];
}

/**
 * `/healthz`: alive unless a part has died for good (the consumer crashed without a restart, the
 * worker failed). serviceMain exits on either, so this is mostly the window before it does; a
 * slow dependency never fails liveness — a restart would not fix it.
 */
export function livenessOf(service: ProbedService): ProbeChecks {
  const checks: Record<string, ProbeCheck> = {};
  if (service.consumerCrash) checks.consumer = { ok: false, detail: `crashed for good: ${service.consumerCrash.message}` };
  if (service.worker?.getState() === 'FAILED') checks.worker = { ok: false, detail: 'the worker failed' };
  return Object.keys(checks).length > 0 ? checks : { process: { ok: true, detail: 'alive' } };
}

/**
 * `/readyz`: ready when every configured role does its work — the consumer is in its group, the
 * worker polls its task queue, Temporal answers — and the service is not stopping (so a rolling
 * update sees a stopping pod leave at once).
 */
export async function readinessOf(service: ProbedService): Promise<ProbeChecks> {
  if (service.stopping) return { shutdown: { ok: false, detail: 'the service is shutting down' } };
  return {
    ...(service.roles.consumer ? { consumer: consumerCheck(service) } : {}),
    ...(service.roles.worker ? { worker: workerCheck(service) } : {}),
    temporal: await temporalCheck(service.temporal),
  };
}

function consumerCheck(service: ProbedService): ProbeCheck {
  if (service.consumerCrash) return { ok: false, detail: `crashed for good: ${service.consumerCrash.message}` };
  if (!service.consumer) return { ok: false, detail: 'starting' };
  const { joined, groupId, partitions } = service.consumer.groupMembership;
  if (!joined) return { ok: false, detail: `not in consumer group ${groupId} (joining, or out after a crash, stop or disconnect)` };
  return { ok: true, detail: `joined consumer group ${groupId}; partitions ${partitions.length > 0 ? partitions.join(',') : 'none'}` };
}

function workerCheck(service: ProbedService): ProbeCheck {
  const state = service.worker?.getState();
  if (state === undefined) return { ok: false, detail: 'starting' };
  if (state !== 'RUNNING') return { ok: false, detail: `the worker is ${state}` };
  return { ok: true, detail: `polling task queue ${service.taskQueue}` };
}

async function temporalCheck(connections: ProbedService['temporal']): Promise<ProbeCheck> {
  if (connections.length === 0) return { ok: false, detail: 'not connected yet' };
  const answers = await Promise.all(connections.map((check) => check()));
  const unreachable = answers.find((answer) => !answer.reachable);
  return unreachable ? { ok: false, detail: unreachable.detail } : { ok: true, detail: 'reachable' };
}
