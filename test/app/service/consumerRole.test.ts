import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../support/eventually';
import { PipelineHarness } from '../../support/pipelineHarness';

const root = path.resolve(__dirname, '../../..');
const entry = path.join(root, 'dist/app/service/serviceMain.js');

/**
 * Runs the compiled service as `--role consumer` and, as the process exits, writes the path of
 * every module it loaded. Evaluated inline rather than preloaded, so the service runs unchanged:
 * `require(entry)` is how node runs it, and serviceMain ends with process.exit (so 'exit' fires).
 */
const reportLoadedModules = `
  process.on('exit', () => require('node:fs').writeFileSync(process.env.LOADED_MODULES_FILE, Object.keys(require.cache).join('\\n')));
  require(${JSON.stringify(entry)});
`;

describe('a consumer-only process (npm start -- --role consumer)', () => {
  let harness: PipelineHarness;
  let loaded: string[] = [];
  let output = '';

  before(async () => {
    harness = await PipelineHarness.start({ roles: { consumer: false, worker: false } });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'consumer-role-')), 'loaded-modules.txt');
    const consumer = spawn(process.execPath, ['-e', reportLoadedModules, '--', '--role', 'consumer'], {
      env: { ...process.env, ...harness.env, LOG_LEVEL: 'info', LOADED_MODULES_FILE: file },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    consumer.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    consumer.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => consumer.once('exit', resolve));
    try {
      await eventually(() => /ingest consumer running/.test(output) || undefined, 60_000, `the consumer to run; output:\n${output}`);
    } finally {
      consumer.kill('SIGTERM');
    }
    assert.equal(await exited, 0, output);
    loaded = fs.readFileSync(file, 'utf8').split('\n');
  });
  after(async () => {
    await (harness as PipelineHarness | undefined)?.close();
  });

  it('runs the ingest path: the consumer and kafkajs are among its modules', () => {
    assert.ok(loaded.some((file) => file.endsWith(path.join('dist', 'consumers', 'ingestConsumer.js'))), loaded.join('\n'));
    assert.ok(loaded.some((file) => file.includes(`${path.sep}kafkajs${path.sep}`)));
  });

  it('loads no part of the worker: not @temporalio/worker, not the OpenAI client, not the agents, not the stand-in model server', () => {
    const workerSide = /node_modules\/@temporalio\/worker\/|node_modules\/openai\/|dist\/activities\/|dev\/standIn\//;
    assert.deepEqual(loaded.filter((file) => workerSide.test(file.split(path.sep).join('/'))), []);
  });

  it('grows its heap slowly (a small footprint while draining), and says so with the V8 flag', () => {
    const line = output.split('\n').find((entry) => entry.includes('consumer-only process: V8 grows the heap slowly'));
    assert.match(line ?? output, /"v8Flag":"--heap-growing-percent=10"/);
  });
});
