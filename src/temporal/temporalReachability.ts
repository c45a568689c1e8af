import type { ConnectionLike } from '@temporalio/client';
import { maskSecrets } from '../logging/logger';

/** The last answer of a reachability check. */
export interface Reachability {
  readonly reachable: boolean;
  /** "reachable", or why not (the server's error, masked). */
  readonly detail: string;
}

export interface TemporalReachabilityOptions {
  /** An answer younger than this is reused: probes every few seconds cost one call. */
  readonly maxAgeMs?: number;
  /** The call's deadline; a server slower than this counts as unreachable. */
  readonly timeoutMs?: number;
}

/**
 * Whether the Temporal frontend answers on a connection, for readiness probes: one cheap
 * GetSystemInfo call (the call every SDK makes first; allowed for any namespace credential,
 * Temporal Cloud's included), cached for a few seconds, with a deadline. Concurrent checks
 * share one call.
 *
 * @example
 * const temporal = new TemporalReachability(client.connection);
 * const { reachable, detail } = await temporal.check();
 */
export class TemporalReachability {
  private last: { readonly at: number; readonly answer: Reachability } | undefined;
  private inFlight: Promise<Reachability> | undefined;

  constructor(
    private readonly connection: ConnectionLike,
    private readonly options: TemporalReachabilityOptions = {},
  ) {}

  /** Answers within the deadline whatever the connection does: the SDKs retry a call past its deadline (the worker's native connection for about 6 s). */
  check(): Promise<Reachability> {
    if (this.last && Date.now() - this.last.at < (this.options.maxAgeMs ?? 5000)) return Promise.resolve(this.last.answer);
    this.inFlight ??= this.call().finally(() => (this.inFlight = undefined));
    const timeoutMs = this.options.timeoutMs ?? 3000;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<Reachability>((resolve) => {
      timer = setTimeout(() => {
        const answer = { reachable: false, detail: `unreachable: no answer within ${timeoutMs / 1000} s` };
        this.last = { at: Date.now(), answer };
        resolve(answer);
      }, timeoutMs);
    });
    return Promise.race([this.inFlight, late]).finally(() => clearTimeout(timer));
  }

  private async call(): Promise<Reachability> {
    let answer: Reachability;
    try {
      await this.connection.withDeadline(Date.now() + (this.options.timeoutMs ?? 3000), () => this.connection.workflowService.getSystemInfo({}));
      answer = { reachable: true, detail: 'reachable' };
    } catch (error) {
      answer = { reachable: false, detail: maskSecrets(`unreachable: ${error instanceof Error ? error.message : String(error)}`).slice(0, 300) };
    }
    this.last = { at: Date.now(), answer };
    return answer;
  }
}
