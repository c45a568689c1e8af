import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { infraPaths } from '../../../dev/infra/infraPaths';
import { isAlive } from '../../../dev/infra/managedProcess';
import { isPortOpen } from '../../../dev/infra/portProbe';

const benchmark = path.resolve(__dirname, '../../../dev/bench/fairnessBenchmark.ts');
const chaosDirectory = path.join(infraPaths().root, 'chaos');
const benchDirectories = (): string[] => (fs.existsSync(chaosDirectory) ? fs.readdirSync(chaosDirectory).filter((name) => name.startsWith('fairbench-')) : []);

describe('npm run bench:fairness', () => {
  const before = new Set(benchDirectories());

  after(() => {
    // Whatever the bench left behind (it should leave no process): stop its servers, drop its directory.
    for (const name of benchDirectories().filter((candidate) => !before.has(candidate))) {
      const pids = path.join(chaosDirectory, name, 'pids');
      for (const file of fs.existsSync(pids) ? fs.readdirSync(pids) : []) {
        const pid = Number(fs.readFileSync(path.join(pids, file), 'utf8').trim());
        if (pid > 0 && isAlive(pid)) process.kill(-pid, 'SIGKILL');
      }
      fs.rmSync(path.join(chaosDirectory, name), { recursive: true, force: true });
    }
  });

  it('stops its private Kafka and Temporal when interrupted (Ctrl-C), which run in process groups a Ctrl-C does not reach', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', benchmark, '--replay', '10', '--live', '2', '--interval-ms', '100'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const servers = await new Promise<{ kafka: string; temporal: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the private servers did not start in time:\n${output}`)), 120_000);
      const read = (chunk: Buffer): void => {
        output += chunk.toString();
        const started = /Kafka (\S+), Temporal (\S+) \(/.exec(output);
        if (started) {
          clearTimeout(timer);
          resolve({ kafka: started[1] ?? '', temporal: started[2] ?? '' });
        }
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.once('exit', (code) => reject(new Error(`the bench exited (${code}) before its servers ran:\n${output}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), 90_000)))]);
    clearTimeout(timer);
    if (code === 'hung') child.kill('SIGKILL');
    for (const address of [servers.kafka, servers.temporal]) {
      const [host = '', port = ''] = address.split(':');
      assert.equal(await isPortOpen(host, Number(port)), false, `nothing listens on ${address} any more`);
    }
    assert.equal(code, 130, `exits 130 once everything is stopped:\n${output}`);
  });
});
