import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { isPortOpen } from '../../../dev/infra/portProbe';

const benchmark = path.resolve(__dirname, '../../../dev/bench/performanceBenchmark.ts');

function runBench(args: readonly string[]): ReturnType<typeof spawnSync> & { stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['--import', 'tsx', benchmark, ...args], { encoding: 'utf8', timeout: 60_000 });
}

/** Every `<name> on <host:port>` the bench printed for its private servers. */
function privateServerAddresses(output: string): string[] {
  return [...output.matchAll(/(?:Kafka|Temporal) on (127\.0\.0\.1:\d+)/g)].map((match) => match[1] ?? '');
}

describe('npm run bench', () => {
  it('--help prints the usage; an unknown part, a bad number or an unknown flag is refused with the reason', () => {
    const help = runBench(['--help']);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /Usage: npm run bench[\s\S]*--only LIST[\s\S]*--latency-events N/);
    for (const [args, reason] of [
      [['--only', 'speed'], /--only takes startup, latency, cost, replay, backlog, brokers \(got speed\)/],
      [['--runs', 'many'], /--runs must be an integer ≥ 10/],
      [['--telemetry', 'maybe'], /--telemetry must be on or off/],
      [['--fast'], /Unknown option '--fast'/],
    ] as const) {
      const refused = runBench(args);
      assert.equal(refused.status, 1, `${args.join(' ')}: ${refused.stdout}${refused.stderr}`);
      assert.match(refused.stderr, reason);
    }
  });

  it('--only startup measures on private servers, prints its figure in the table, writes it as JSON, and stops its servers', async () => {
    const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-')), 'figures.json');
    const child = spawn(process.execPath, ['--import', 'tsx', benchmark, '--only', 'startup', '--telemetry', 'off', '--json', json], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = setTimeout(() => child.kill('SIGINT'), 240_000);
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    clearTimeout(deadline);
    assert.equal(code, 0, output);
    assert.match(output, /5\. npm start → ready \(median\)\s+\d+(\.\d)? ms \(\d+, \d+, \d+\)\s+≤ 2,000 ms/);
    assert.match(output, /2\. consumer-only RSS, idle\s+[\d.]+ MiB/);
    const written = JSON.parse(fs.readFileSync(json, 'utf8')) as { figures: { startup?: { readyMs?: unknown; tries?: unknown[] } } };
    assert.equal(typeof written.figures.startup?.readyMs, 'number', JSON.stringify(written));
    assert.equal(written.figures.startup?.tries?.length, 3, JSON.stringify(written));
    const addresses = privateServerAddresses(output);
    assert.equal(addresses.length >= 2, true, `it said where its servers ran:\n${output}`);
    for (const address of addresses) {
      const [host = '', port = ''] = address.split(':');
      assert.equal(await isPortOpen(host, Number(port)), false, `nothing listens on ${address} any more`);
    }
  });
});
