// Loaded into every process of the test command (`--import`); acts only in the one that runs a
// test file. Node's --test-timeout bounds each test and hook, and --test-force-exit ends a file
// whose handles outlive its tests, but nothing of node's bounds a file as a whole: the module
// loading, a run of slow tests, a test that blocks the event loop. This does, so that one hung
// file cannot hold `npm test` (see STYLE.md 16a).
import path from 'node:path';
import { Worker } from 'node:worker_threads';

/** The most a test file may take, in ms (TEST_FILE_TIMEOUT_MS; default 10 minutes). */
const limitMs = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 600_000);
/** How long past the limit a file whose event loop is blocked has before a second thread kills it. */
const killGraceMs = 30_000;

/** The runner sets NODE_TEST_CONTEXT for each file's process; processes a test spawns inherit it, but run no test file. */
function runsATestFile(): boolean {
  return process.env.NODE_TEST_CONTEXT === 'child-v8' && /\.test\.[cm]?[jt]s$/.test(process.argv[1] ?? '');
}

if (runsATestFile()) {
  if (!Number.isFinite(limitMs) || limitMs <= 0) throw new Error(`TEST_FILE_TIMEOUT_MS=${process.env.TEST_FILE_TIMEOUT_MS} is not a positive number of milliseconds`);
  const file = path.relative(process.cwd(), process.argv[1] ?? '');
  const ended = `${file}: still running after ${limitMs / 1000} s, the per-file limit (TEST_FILE_TIMEOUT_MS): ended`;
  // process.exit runs the 'exit' listeners: servers a test started with one (strictTemporal.ts) go too.
  setTimeout(() => {
    process.stderr.write(`${ended}\n`);
    process.exit(1);
  }, limitMs).unref();
  // A timer on a blocked event loop never fires; a thread of its own still can.
  const killer = `const { writeSync } = require('node:fs'); const { workerData } = require('node:worker_threads');
    setTimeout(() => { writeSync(2, workerData.message + ' (its event loop was blocked)\\n'); process.kill(workerData.pid, 'SIGKILL'); }, workerData.ms);`;
  new Worker(killer, { eval: true, execArgv: [], workerData: { pid: process.pid, ms: limitMs + killGraceMs, message: ended } }).unref();
}
