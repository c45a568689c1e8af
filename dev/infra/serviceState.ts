import type { ManagedProcess } from './managedProcess';
import { isPortOpen } from './portProbe';

/** Who runs a local server: `infra:up` (ours), somebody else (external, left alone), or nobody. */
export type ServiceState =
  | { readonly kind: 'ours'; readonly pid: number }
  | { readonly kind: 'external' }
  | { readonly kind: 'stopped' };

export interface ServiceProbe {
  readonly process: ManagedProcess;
  readonly host: string;
  readonly port: number;
  /** Whether the expected server answers at the address (a real protocol check, not just TCP). */
  readonly answers: (address: string) => Promise<boolean>;
  /** For the error when a foreign process holds the port: "a Kafka broker", "KAFKA_BROKERS". */
  readonly serverName: string;
  readonly variable: string;
}

/** Finds out who runs the server; a port held by something else is an error naming the port. */
export async function probeServiceState(probe: ServiceProbe): Promise<ServiceState> {
  const pid = probe.process.livePid();
  if (pid !== undefined) return { kind: 'ours', pid };
  if (!(await isPortOpen(probe.host, probe.port))) return { kind: 'stopped' };
  if (await probe.answers(`${probe.host}:${probe.port}`)) return { kind: 'external' };
  throw new Error(
    `port ${probe.port} on ${probe.host} is held by a process that is not ${probe.serverName}; ` +
      `stop it or set ${probe.variable} to another host:port`,
  );
}
