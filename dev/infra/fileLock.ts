import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isAlive, sleep } from './managedProcess';

/** The lock stayed with a live process for the whole wait; retrying later can help. */
export class LockTimeoutError extends Error {
  readonly retryable = true;

  constructor(
    readonly lockFile: string,
    readonly holderPid: number | undefined,
    readonly waitedMs: number,
  ) {
    super(
      `${lockFile} is still held by ${holderPid === undefined ? 'another process' : `process ${holderPid}`} after ${Math.round(waitedMs / 1000)} s; ` +
        'wait for it to finish (or stop it), then run again',
    );
    this.name = 'LockTimeoutError';
  }
}

export interface FileLockOptions {
  /** How long to wait for a live holder before giving up; default 30 minutes (a cold llama.cpp build takes ~8). */
  readonly timeoutMs?: number;
  readonly pollMs?: number;
  /** Called once when the lock is found held, so a long wait is not silent. */
  readonly onWait?: (holderPid: number | undefined) => void;
}

/**
 * Runs `work` while holding an exclusive lock file (created with `wx`, holding `<pid> <token>`),
 * so that two processes sharing one cache never install or build into the same folder at once.
 * A waiter polls while the holder's pid is alive and takes over a lock whose holder died.
 *
 * @example
 * await withFileLock(`${venv}.lock`, async () => { if (!isInstalled(venv, pkg)) await install(); });
 */
export async function withFileLock<T>(lockFile: string, work: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const release = await acquireFileLock(lockFile, options);
  try {
    return await work();
  } finally {
    release();
  }
}

async function acquireFileLock(lockFile: string, options: FileLockOptions): Promise<() => void> {
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  const started = Date.now();
  const content = `${process.pid} ${randomUUID()}\n`;
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  let announced = false;
  for (;;) {
    if (tryCreate(lockFile, content)) break;
    const holder = readHolder(lockFile);
    if (holder.kind === 'dead') {
      takeOver(lockFile, holder.content);
      continue;
    }
    if (holder.kind === 'gone') continue;
    if (!announced) {
      announced = true;
      options.onWait?.(holder.pid);
    }
    if (Date.now() - started >= timeoutMs) throw new LockTimeoutError(lockFile, holder.pid, Date.now() - started);
    await sleep(options.pollMs ?? 250);
  }
  // A process that exits while holding it (process.exit on a signal) leaves no lock behind.
  const releaseOnExit = (): void => removeIfOurs(lockFile, content);
  process.once('exit', releaseOnExit);
  return () => {
    process.removeListener('exit', releaseOnExit);
    removeIfOurs(lockFile, content);
  };
}

/** The lock is written aside and hard-linked into place, so nobody ever reads it empty. */
function tryCreate(lockFile: string, content: string): boolean {
  const aside = `${lockFile}.${process.pid}.${randomUUID().slice(0, 8)}`;
  fs.writeFileSync(aside, content, { flag: 'wx' });
  try {
    fs.linkSync(aside, lockFile);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

type Holder = { kind: 'alive'; pid: number | undefined } | { kind: 'dead'; content: string } | { kind: 'gone' };

function readHolder(lockFile: string): Holder {
  let content: string;
  try {
    content = fs.readFileSync(lockFile, 'utf8');
  } catch {
    return { kind: 'gone' };
  }
  const pid = Number(content.split(' ')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return { kind: 'dead', content };
  return isAlive(pid) ? { kind: 'alive', pid } : { kind: 'dead', content };
}

/**
 * Moves the dead holder's lock aside (rename is atomic, so of two waiters only one gets it) and
 * puts it back if, in between, someone else had already replaced it with a live one.
 */
function takeOver(lockFile: string, deadContent: string): void {
  const aside = `${lockFile}.stale-${process.pid}`;
  try {
    fs.renameSync(lockFile, aside);
  } catch {
    return;
  }
  if (fs.readFileSync(aside, 'utf8') !== deadContent) {
    try {
      fs.linkSync(aside, lockFile);
    } catch {
      // Taken again meanwhile: that holder has it.
    }
  }
  fs.rmSync(aside, { force: true });
}

function removeIfOurs(lockFile: string, content: string): void {
  try {
    if (fs.readFileSync(lockFile, 'utf8') === content) fs.rmSync(lockFile, { force: true });
  } catch {
    // Already gone.
  }
}
