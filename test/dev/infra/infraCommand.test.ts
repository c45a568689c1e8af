import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

const command = path.resolve(__dirname, '../../../dev/infra/infraCommand.ts');
const tsx = path.resolve(__dirname, '../../../node_modules/.bin/tsx');

function infra(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(tsx, [command, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
}

describe('npm run infra:*', () => {
  it('up on infrastructure that already runs is harmless: same processes, nothing restarted', () => {
    const before = infra(['status']);
    assert.equal(before.status, 0, before.stdout + before.stderr);
    const again = infra(['up']);
    assert.equal(again.status, 0, again.stderr);
    const after = infra(['status']);
    assert.equal(after.stdout, before.stdout, 'status is unchanged (same pids)');
    assert.match(after.stdout, /Kafka: (running|answering) on/);
    assert.match(after.stdout, /Temporal: (running|answering) on/);
  });

  it('refuses to start when a foreign process holds the Kafka port, naming the port', async () => {
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined); // probes hang up abruptly
      socket.end('not kafka\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-infra-'));
    try {
      const result = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
        // Run asynchronously: the fake server must keep answering while the command probes it.
        const child = spawn(tsx, [command, 'up'], {
          // Without Phoenix: up waits for every server before it reports the failure, and a
          // Phoenix install into this empty cache would take a minute.
          env: { ...process.env, KAFKA_BROKERS: `127.0.0.1:${port}`, RESEARCH_RELAY_CACHE_DIR: cache, INFRA_PHOENIX: 'false' },
        });
        let stderr = '';
        child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('close', (status) => resolve({ status, stderr }));
      });
      assert.equal(result.status, 1);
      assert.match(result.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is held by a process that is not a Kafka broker`));
      assert.equal(fs.existsSync(path.join(cache, 'kafka', 'libs')), false, 'nothing was downloaded');
    } finally {
      server.close();
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  it('answers --help and rejects an unknown command with usage', () => {
    const help = infra(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: npm run infra:<up\|down\|status\|reset>/);
    const wrong = infra(['launch']);
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /unknown command 'launch'/);
  });
});
