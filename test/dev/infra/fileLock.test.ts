import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { LockTimeoutError, withFileLock } from '../../../dev/infra/fileLock';
import { tearDown } from '../../support/teardown';

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((resolve) => child.once('exit', resolve));
  assert.ok(child.pid !== undefined);
  return child.pid;
}

describe('the exclusive lock file around installs and builds', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-file-lock-'));
  after(() => tearDown(() => fs.rmSync(dir, { recursive: true, force: true })));

  it('runs one holder at a time and removes the lock afterwards, also when the work throws', async () => {
    const lock = path.join(dir, 'serial.lock');
    const events: string[] = [];
    const work = (name: string) => async (): Promise<void> => {
      events.push(`${name} in`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      events.push(`${name} out`);
      if (name === 'b') throw new Error('b failed');
    };
    const results = await Promise.allSettled([withFileLock(lock, work('a'), { pollMs: 20 }), withFileLock(lock, work('b'), { pollMs: 20 }), withFileLock(lock, work('c'), { pollMs: 20 })]);
    assert.deepEqual(results.map((result) => result.status), ['fulfilled', 'rejected', 'fulfilled']);
    for (let i = 0; i < events.length; i += 2) assert.equal(events[i]?.replace(' in', ' out'), events[i + 1], `no overlap: ${events.join(', ')}`);
    assert.deepEqual(fs.readdirSync(dir).filter((name) => name.startsWith('serial.lock')), []);
  });

  it('takes over a lock whose holder died', async () => {
    const lock = path.join(dir, 'stale.lock');
    fs.writeFileSync(lock, `${await deadPid()} left-by-a-killed-run\n`);
    assert.equal(await withFileLock(lock, () => Promise.resolve('ran'), { timeoutMs: 5_000 }), 'ran');
    assert.equal(fs.existsSync(lock), false);
  });

  it('gives up on a live holder after the bounded wait, naming the lock and its pid, and leaves its lock alone', async () => {
    const lock = path.join(dir, 'held.lock');
    const holder = `${process.ppid} a-live-holder\n`;
    fs.writeFileSync(lock, holder);
    let waitingFor: number | undefined;
    const attempt = withFileLock(lock, () => Promise.resolve('ran'), { timeoutMs: 300, pollMs: 20, onWait: (pid) => (waitingFor = pid) });
    await assert.rejects(attempt, (error: unknown) => {
      assert.ok(error instanceof LockTimeoutError);
      assert.equal(error.holderPid, process.ppid);
      assert.match(error.message, new RegExp(`held\\.lock is still held by process ${process.ppid} after`));
      return true;
    });
    assert.equal(waitingFor, process.ppid);
    assert.equal(fs.readFileSync(lock, 'utf8'), holder);
  });
});
