import fs from 'node:fs';

/** What a process holds and has spent so far, read from /proc (Linux). */
export interface ProcessUsage {
  /** Resident set size now, bytes. */
  readonly rssBytes: number;
  /** The highest resident set size so far (VmHWM), bytes. */
  readonly peakRssBytes: number;
  /** User + system CPU time so far (all threads), milliseconds. */
  readonly cpuMs: number;
}

/** Clock ticks per second of /proc/<pid>/stat's times: 100 on every Linux this runs on. */
const ticksPerSecond = 100;

/**
 * Reads the usage of another process (a relay process, the Temporal server) without touching
 * it; undefined once it is gone.
 *
 * @example
 * const before = readProcessUsage(pid);
 */
export function readProcessUsage(pid: number): ProcessUsage | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, inside parentheses): utime is the 14th field, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { rssBytes: statusKb(status, 'VmRSS') * 1024, peakRssBytes: statusKb(status, 'VmHWM') * 1024, cpuMs: (ticks * 1000) / ticksPerSecond };
  } catch {
    return undefined;
  }
}

function statusKb(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : Number.NaN;
}

/** Samples a process's RSS every `intervalMs` and keeps the highest seen, until stopped. */
export class RssSampler {
  private peak = 0;
  private last: ProcessUsage | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs = 200,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.sample();
  }

  /** The highest RSS sampled, bytes. */
  get peakBytes(): number {
    return this.peak;
  }

  /** The last usage read (CPU included). */
  get latest(): ProcessUsage | undefined {
    return this.last;
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  private sample(): void {
    const usage = readProcessUsage(this.pid);
    if (!usage) return;
    this.last = usage;
    this.peak = Math.max(this.peak, usage.rssBytes);
  }
}
