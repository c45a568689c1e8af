import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../support/eventually';
import { PipelineHarness } from '../../support/pipelineHarness';
import { parsePrometheusText, sumOf } from '../../support/prometheusText';
import { tearDown } from '../../support/teardown';

const root = path.resolve(__dirname, '../../..');
const env = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}` };

/** A process and all its descendants with their command lines (Linux /proc). */
function processTree(pid: number): { pid: number; command: string }[] {
  const command = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  const children = fs
    .readdirSync(`/proc/${pid}/task`)
    .flatMap((task) => fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
  return [{ pid, command }, ...children.flatMap((child) => processTree(child))];
}

/** The tree as far as it can be read: a process may exit while it is walked. */
function liveTree(pid: number): { pid: number; command: string }[] {
  try {
    return processTree(pid);
  } catch {
    return [{ pid, command: '' }];
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start', () => {
  let harness: PipelineHarness;
  let service: ChildProcess;
  let output = '';
  let tree: { pid: number; command: string }[] = [];

  before(async () => {
    harness = await PipelineHarness.start({ roles: { consumer: false, worker: false } });
    service = spawn('npm', ['start', '--', '--role', 'both'], { cwd: root, env: { ...env, ...harness.env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    service.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    service.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(() => (/ingest consumer running/.test(output) && /worker running/.test(output)) || undefined, 60_000, `the service to be ready; output:\n${output}`);
    tree = processTree(service.pid as number);
  });
  after(async () => {
    // Also after a failed before(): a service that never got ready was never walked, so walk it now.
    const running = service?.pid !== undefined && isAlive(service.pid) ? liveTree(service.pid) : [];
    await tearDown(
      () => {
        for (const { pid } of [...tree, ...running]) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      },
      () => harness?.close(),
    );
  });

  it('runs the compiled service on plain node, with no TypeScript loader in any of its processes', () => {
    const commands = tree.map(({ command }) => command);
    assert.ok(commands.some((command) => /node .*dist\/app\/service\/serviceMain\.js/.test(command)), commands.join('\n'));
    assert.deepEqual(commands.filter((command) => /tsx|ts-node|--import|--require/.test(command)), []);
  });

  it('takes a request to its result, counted on its /metrics (with /healthz and /readyz 200), and on SIGTERM to npm the service itself shuts down in order and exits 0', async () => {
    await harness.request('npm-start-1', 'Does the compiled service answer?', { maxSearches: 2 });
    const [completed] = await harness.recorder.waitFor(harness.config.topics.completed, 1, (record) => record.key === 'npm-start-1');
    assert.ok(completed);
    // The port it chose (SERVICE_HTTP_PORT=0 in tests), from its log line.
    const listening = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; url?: string })
      .find((line) => line.msg === 'service HTTP port listening');
    assert.ok(listening?.url, output);
    const base = `http://127.0.0.1:${new URL(listening.url).port}`;
    await eventually(async () => {
      const scraped = parsePrometheusText(await (await fetch(`${base}/metrics`)).text());
      return sumOf(scraped, 'research_relay_runs_total', { outcome: 'completed' }) === 1 || undefined;
    }, 30_000, 'the completed run on /metrics');
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const exited = new Promise<number | null>((resolve) => service.once('exit', resolve));
    service.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    assert.match(output, /"msg":"stopped"/, 'the service ran its shutdown');
    assert.deepEqual(tree.filter(({ pid }) => isAlive(pid)), [], 'no process of the service is left running');
  });

  it('on a SIGTERM while it is still starting (its HTTP port open, its consumer not yet running) says so, finishes starting, shuts down in order and exits 0', async () => {
    const entry = path.join(root, 'dist/app/service/serviceMain.js');
    const starting = spawn(process.execPath, [entry, '--role', 'consumer'], { env: { ...env, ...harness.env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let said = '';
    let signalledAfter = '';
    const hear = (chunk: Buffer): void => {
      said += chunk.toString();
      // At once, not at a poll: the consumer may be running a few hundred milliseconds later.
      if (!signalledAfter && /service HTTP port listening/.test(said)) {
        signalledAfter = said;
        starting.kill('SIGTERM');
      }
    };
    starting.stdout.on('data', hear);
    starting.stderr.on('data', hear);
    const closed = new Promise<number | null>((resolve) => starting.once('close', resolve));
    // A service that never exits fails the test (exit null) rather than hang the run.
    const deadline = setTimeout(() => starting.kill('SIGKILL'), 60_000);
    try {
      assert.equal(await closed, 0, said);
      assert.doesNotMatch(signalledAfter, /ingest consumer running/, 'the signal was sent while the service started');
      assert.match(said, /"signal":"SIGTERM"[^\n]*"msg":"stop requested while starting[^"]*"[\s\S]*"msg":"ingest consumer running"[\s\S]*"reason":"SIGTERM"[\s\S]*"msg":"stopped"/);
    } finally {
      clearTimeout(deadline);
      if (starting.exitCode === null && starting.signalCode === null) starting.kill('SIGKILL');
    }
  });

  it('on a SIGTERM while its start-up cannot finish (the broker unreachable) waits the grace, says so and exits 143, as a crash would', async () => {
    const entry = path.join(root, 'dist/app/service/serviceMain.js');
    const closedPort = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const stuck = spawn(process.execPath, [entry, '--role', 'consumer'], { env: { ...env, ...harness.env, LOG_LEVEL: 'info', KAFKA_BROKERS: `127.0.0.1:${closedPort}` }, stdio: ['ignore', 'pipe', 'pipe'] });
    let said = '';
    const hear = (chunk: Buffer): void => {
      const signalNow = !/service HTTP port listening/.test(said);
      said += chunk.toString();
      if (signalNow && /service HTTP port listening/.test(said)) stuck.kill('SIGTERM');
    };
    stuck.stdout.on('data', hear);
    stuck.stderr.on('data', hear);
    const closed = new Promise<number | null>((resolve) => stuck.once('close', resolve));
    // Its start alone would retry the broker for about a minute.
    const deadline = setTimeout(() => stuck.kill('SIGKILL'), 45_000);
    try {
      assert.equal(await closed, 143, said);
      assert.match(said, /"msg":"stop requested while starting[\s\S]*"msg":"start-up did not finish within the grace after the stop signal/);
      assert.doesNotMatch(said, /"msg":"ingest consumer running"/);
    } finally {
      clearTimeout(deadline);
      if (stuck.exitCode === null && stuck.signalCode === null) stuck.kill('SIGKILL');
    }
  });

  it('as a worker without a model endpoint refuses to start and names the variables; OFFLINE_MODE=true runs on the stand-in, saying so', async () => {
    const withoutModel: NodeJS.ProcessEnv = { ...env, ...harness.env, LOG_LEVEL: 'info', OPENAI_API_KEY: '', OPENAI_BASE_URL: '' };
    const entry = path.join(root, 'dist/app/service/serviceMain.js');
    const refused = spawnSync(process.execPath, [entry, '--role', 'worker'], { env: withoutModel, encoding: 'utf8', timeout: 60_000 });
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, /no model endpoint: set OPENAI_API_KEY .* or OPENAI_BASE_URL .* or OFFLINE_MODE=true/);
    const offline = spawn(process.execPath, [entry, '--role', 'worker'], { env: { ...withoutModel, OFFLINE_MODE: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let said = '';
    offline.stderr.on('data', (chunk: Buffer) => (said += chunk.toString()));
    try {
      await eventually(() => (/OFFLINE MODE \(OFFLINE_MODE=true\)/.test(said) && /worker running/.test(said)) || undefined, 60_000, `the offline worker; output:\n${said}`);
      assert.match(said, /stand-in:gpt-4\.1/, 'its models are named stand-in:…');
    } finally {
      const exited = new Promise((resolve) => offline.once('exit', resolve));
      offline.kill('SIGTERM');
      await exited;
    }
  });
});
