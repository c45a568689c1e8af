import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { testConfig, uniqueName } from '../support/testInfrastructure';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
// The project's own Node 24 (npm test runs on it), first on PATH for npm, npx and the bin.
const env = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}` };

describe('the package as users install it', () => {
  let work: string;
  let project: string;
  let tarball: string;

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'research-relay-pack-'));
    // dist/ is built by the test command; packing takes it as it is.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root, env });
    const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
    tarball = path.join(work, filename);
    project = path.join(work, 'app');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'plain-js-app', version: '1.0.0', private: true }));
    await run('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline'], { cwd: project, env, timeout: 240_000 });
  });
  after(() => {
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('ships compiled JavaScript with declarations and leaves development tooling out', async () => {
    const listed = await run('tar', ['-tzf', tarball]);
    const files = listed.stdout.split('\n').filter(Boolean);
    for (const file of ['package/dist/app/index.js', 'package/dist/app/index.d.ts', 'package/dist/app/cli/cliMain.js', 'package/dist/app/service/serviceMain.js']) {
      assert.ok(files.includes(file), `${file} is in the package`);
    }
    const unwanted = files.filter((file) => /\.ts$/.test(file) && !file.endsWith('.d.ts')).concat(files.filter((file) => /^package\/(test|dev|bench)\/|\/dev\/(infra|bench)\//.test(file)));
    assert.deepEqual(unwanted, [], 'no TypeScript sources, tests, infrastructure launchers or benchmarks');
  });

  it('imports createResearchClient from plain JavaScript (require and import) and sends a request', async () => {
    const topic = `${uniqueName('pack')}.requested`;
    const brokers = testConfig().kafka.brokers.join(',');
    fs.writeFileSync(
      path.join(project, 'send.js'),
      `const { createResearchClient, researchRequestedType } = require('research-relay');
(async () => {
  const client = createResearchClient({ brokers: process.argv[2].split(','), topics: { requested: process.argv[3] } });
  const sent = await client.request({ query: 'Does the installed package work from plain JavaScript?' });
  await client.close();
  console.log(JSON.stringify({ type: researchRequestedType, topic: sent.topic, traceId: sent.traceId }));
})().catch((error) => { console.error(error); process.exit(1); });
`,
    );
    fs.writeFileSync(path.join(project, 'esm.mjs'), `import { createResearchClient, parseTraceparent } from 'research-relay';\nconsole.log(typeof createResearchClient, typeof parseTraceparent);\n`);
    const sent = await run(process.execPath, ['send.js', brokers, topic], { cwd: project, env });
    const result = JSON.parse(sent.stdout) as { type: string; topic: string; traceId: string };
    assert.equal(result.type, 'research.requested.v1');
    assert.equal(result.topic, topic);
    assert.match(result.traceId, /^[0-9a-f]{32}$/);
    const esm = await run(process.execPath, ['esm.mjs'], { cwd: project, env });
    assert.equal(esm.stdout.trim(), 'function function');
  });

  it('runs npx research-relay --help, and a wrong flag exits 2', async () => {
    const help = await run('npx', ['--no-install', 'research-relay', '--help'], { cwd: project, env });
    assert.match(help.stdout, /^Usage: research-relay <command>/);
    await assert.rejects(run('npx', ['--no-install', 'research-relay', 'request', '--no-such-flag'], { cwd: project, env }), (error: { code?: number; stderr?: string }) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr ?? '', /Unknown option '--no-such-flag'/);
      return true;
    });
  });
});
