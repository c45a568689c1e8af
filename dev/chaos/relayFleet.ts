import path from 'node:path';
import { describeExit, RelayProcess, type RelayRole } from './relayProcess';

/**
 * The relay processes of one scenario, supervised the way a container platform would: a
 * process that exits without being asked to is started again (and the exit is recorded, since
 * it is a finding of its own). Processes the scenario kills on purpose are not restarted by
 * the fleet; the scenario restarts them itself.
 */
export class RelayFleet {
  readonly processes: RelayProcess[] = [];
  /** Exits nobody asked for, e.g. "consumer-2 exit code 1". */
  readonly unplannedExits: string[] = [];
  private readonly planned = new Set<RelayProcess>();
  private readonly restarts: Promise<unknown>[] = [];
  private closing = false;
  private counter = 0;
  /** A process that keeps dying is a finding, not something to retry forever. */
  private restartsLeft = 5;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly logDirectory: string,
    private readonly envFor: (role: RelayRole) => NodeJS.ProcessEnv = () => ({}),
  ) {}

  /** Starts one more process of the role and waits until it runs. */
  async start(role: RelayRole): Promise<RelayProcess> {
    this.counter += 1;
    const name = `${role}-${this.counter}`;
    const relay = new RelayProcess(role, name, { ...this.env, ...this.envFor(role) }, path.join(this.logDirectory, `${name}.log`));
    this.processes.push(relay);
    void relay.exited.then((exit) => {
      if (this.planned.has(relay) || this.closing) return;
      this.unplannedExits.push(`${name} ${describeExit(exit)}`);
      if (this.restartsLeft-- <= 0) return;
      this.restarts.push(this.start(role).catch((error: unknown) => this.unplannedExits.push(`${role} restart failed: ${String(error)}`)));
    });
    await relay.waitReady();
    return relay;
  }

  /** The live processes of a role, oldest first. */
  live(role: RelayRole): RelayProcess[] {
    return this.processes.filter((relay) => relay.role === role && relay.alive);
  }

  /** Sends a signal on purpose (SIGKILL for a crash, SIGTERM for an orderly leave) and waits for the exit. */
  async signal(relay: RelayProcess, signal: NodeJS.Signals): Promise<ReturnType<RelayProcess['signal']>> {
    this.planned.add(relay);
    return relay.signal(signal);
  }

  /** Workflow starts logged by every consumer process so far. */
  startedTotal(): number {
    return this.processes.reduce((sum, relay) => sum + relay.started, 0);
  }

  duplicatesTotal(): number {
    return this.processes.reduce((sum, relay) => sum + relay.duplicates, 0);
  }

  /** "failed; retrying" warnings logged by every process so far. */
  retriesTotal(): number {
    return this.processes.reduce((sum, relay) => sum + relay.retries, 0);
  }

  /** Stops every process in order (consumers, then workers); SIGKILL for any that hangs. */
  async stop(): Promise<void> {
    this.closing = true;
    await Promise.allSettled(this.restarts);
    for (const role of ['consumer', 'worker'] as const) {
      await Promise.all(this.processes.filter((relay) => relay.role === role).map((relay) => relay.signal('SIGTERM', 30_000)));
    }
  }
}
