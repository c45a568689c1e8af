import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { infraPaths } from '../../../dev/infra/infraPaths';
import { isAlive } from '../../../dev/infra/managedProcess';
import { checkBuildTools, MissingBuildToolError } from '../../../dev/llamaServer/buildTools';
import { ensureLlamaServer, isBuilt } from '../../../dev/llamaServer/llamaServerBuild';
import { llamaServerPaths, type LlamaServerPaths } from '../../../dev/llamaServer/llamaServerPaths';
import { ensureTinyModel, tinyModelPath } from '../../../dev/llamaServer/tinyModel';
import { writeBuildToolStubs, type BuildToolStubs } from '../../support/buildToolStubs';
import { eventually } from '../../support/eventually';
import { tearDown } from '../../support/teardown';

/*
 * The build's bookkeeping (locks, markers, preflight, interruption) with stand-in tools from
 * test/support/buildToolStubs.ts in a scratch cache: no download, no compile, seconds per test.
 */

const projectRoot = path.resolve(__dirname, '..', '..', '..');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-llama-build-'));
const started: ChildProcess[] = [];
/** The stub compile steps' shell and sleep pids, killed at the end if a test left them running. */
const compilerPids: number[] = [];
const saved = { PATH: process.env.PATH, PYTHON: process.env.PYTHON };

/** A fresh cache and fresh stubs per test, so each counts only its own steps. */
function scratchCache(name: string): { paths: LlamaServerPaths; stubs: BuildToolStubs; cache: string } {
  const dir = path.join(scratch, name);
  const stubs = writeBuildToolStubs(dir);
  const cache = path.join(dir, 'cache');
  return { paths: llamaServerPaths(infraPaths({ RESEARCH_RELAY_CACHE_DIR: cache })), stubs, cache };
}

function useStubs(stubs: BuildToolStubs): void {
  process.env.PATH = stubs.path;
  process.env.PYTHON = stubs.python;
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/** Runs a dev entry point with the stubs and a scratch cache; the test ends it if it is still running. */
function startEntryPoint(script: string, args: readonly string[], stubs: BuildToolStubs, cache: string, sleepPidFile: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, script), ...args], {
    cwd: projectRoot,
    env: { ...process.env, PATH: stubs.path, PYTHON: stubs.python, RESEARCH_RELAY_CACHE_DIR: cache, STUB_COMPILE_FOREVER: sleepPidFile },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  started.push(child);
  return child;
}

/** The stub compile step's `sleep` and its shell, once they run (or the entry point's early exit as an error). */
async function startedCompiler(child: ChildProcess, sleepPidFile: string): Promise<number[]> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const pids = await eventually(() => {
    if (child.exitCode !== null) throw new Error(`it exited (${child.exitCode}) before compiling: ${stderr}`);
    const found = fs.existsSync(sleepPidFile) ? /^(\d+) (\d+)$/.exec(fs.readFileSync(sleepPidFile, 'utf8').trim()) : null;
    return found ? [Number(found[1]), Number(found[2])] : undefined;
  }, 60_000, 'the stub compile step to start');
  compilerPids.push(...pids);
  return pids;
}

describe('building llama-server (stand-in tools, scratch cache)', () => {
  after(() =>
    tearDown(
      () => {
        process.env.PATH = saved.PATH;
        if (saved.PYTHON === undefined) delete process.env.PYTHON;
        else process.env.PYTHON = saved.PYTHON;
      },
      () => {
        for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
      () => {
        for (const pid of compilerPids.filter(isAlive)) process.kill(pid, 'SIGKILL');
      },
      () => fs.rmSync(scratch, { recursive: true, force: true }),
    ),
  );

  it('two builds asked for at once compile once, and both get the binary', async () => {
    const { paths, stubs } = scratchCache('concurrent-build');
    useStubs(stubs);
    const [first, second] = await Promise.all([ensureLlamaServer({ paths, jobs: 1 }), ensureLlamaServer({ paths, jobs: 1 })]);
    assert.deepEqual(stubs.steps(), ['download', 'configure', 'compile']);
    assert.deepEqual([first.built, second.built].sort(), [false, true]);
    assert.equal(first.binary, paths.binary);
    assert.ok(isBuilt(paths));
    assert.deepEqual(fs.readdirSync(paths.dir).filter((name) => name.startsWith('.build.lock')), [], 'the lock is released');
  });

  it('a build recorded with other cmake flags is not a finished build, and is rebuilt', async () => {
    const { paths, stubs } = scratchCache('changed-flags');
    useStubs(stubs);
    await ensureLlamaServer({ paths, jobs: 1 });
    const [line, date] = fs.readFileSync(paths.builtMarker, 'utf8').split('\n');
    fs.writeFileSync(paths.builtMarker, `${line?.replace('-DGGML_NATIVE=OFF', '-DGGML_NATIVE=ON')}\n${date}\n`);
    assert.equal(isBuilt(paths), false);
    assert.equal((await ensureLlamaServer({ paths, jobs: 1 })).built, true);
    // The download is reused; the compile runs again.
    assert.deepEqual(stubs.steps(), ['download', 'configure', 'compile', 'configure', 'compile']);
  });

  it('the preflight names the missing tool in one line: cmake, a C++ compiler, pip', () => {
    const { stubs } = scratchCache('preflight');
    const noTools = path.join(scratch, 'preflight', 'empty');
    fs.mkdirSync(noTools);
    const cmakeOnly = { PATH: stubs.bin, PYTHON: stubs.python, CXX: path.join(noTools, 'no-compiler') };
    const failure = (env: NodeJS.ProcessEnv): MissingBuildToolError => {
      try {
        checkBuildTools(env);
      } catch (error) {
        assert.ok(error instanceof MissingBuildToolError, String(error));
        assert.doesNotMatch(error.message, /\n/);
        return error;
      }
      assert.fail('the preflight passed');
    };
    const noCmake = failure({ PATH: noTools, PYTHON: stubs.python });
    assert.equal(noCmake.tool, 'cmake');
    assert.match(noCmake.message, /needs cmake 3\.14 or newer on PATH and there is none: install cmake/);
    assert.equal(failure(cmakeOnly).tool, 'c++');
    assert.match(failure(cmakeOnly).message, /needs a C\+\+ compiler .*: install one/);
    const noPip = failure({ PATH: stubs.path, PYTHON: path.join(noTools, 'python-without-pip') });
    assert.equal(noPip.tool, 'pip');
    assert.match(noPip.message, /-m pip --version` fails: install pip/);
    assert.doesNotThrow(() => checkBuildTools({ PATH: stubs.path, PYTHON: stubs.python }));
  });

  it('llama:build without cmake on PATH fails at once, naming cmake, before downloading anything', async () => {
    const { stubs, cache } = scratchCache('preflight-cli');
    // Only node on PATH (its own folder may hold a cmake, as /usr/bin does).
    const noTools = path.join(scratch, 'preflight-cli', 'only-node');
    fs.mkdirSync(noTools);
    fs.symlinkSync(process.execPath, path.join(noTools, 'node'));
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'dev/llamaServer/llamaBuildMain.ts')], {
      cwd: projectRoot,
      env: { ...process.env, PATH: noTools, PYTHON: stubs.python, RESEARCH_RELAY_CACHE_DIR: cache },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    started.push(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const { code } = await exitOf(child);
    assert.equal(code, 1, stderr);
    assert.match(stderr.trim(), /^building llama-server needs cmake 3\.14 or newer on PATH and there is none: install cmake/);
    assert.deepEqual(stubs.steps(), []);
  });

  it('SIGTERM to llama:build kills the compile step with all its process group and exits 143', async () => {
    const { stubs, cache } = scratchCache('sigterm-build');
    const sleepPidFile = path.join(scratch, 'sigterm-build', 'sleep.pid');
    const child = startEntryPoint('dev/llamaServer/llamaBuildMain.ts', [], stubs, cache, sleepPidFile);
    const compiler = await startedCompiler(child, sleepPidFile);
    assert.ok(compiler.every(isAlive), 'the compile step runs');
    child.kill('SIGTERM');
    assert.deepEqual(await exitOf(child), { code: 143, signal: null });
    await eventually(() => !compiler.some(isAlive), 10_000, `the compile step and its sleep (pids ${compiler.join(', ')}) to be gone`);
  });

  it('SIGTERM to withInfra while it builds llama-server (before the infrastructure) kills the build and exits 143', async () => {
    const { stubs, cache } = scratchCache('sigterm-with-infra');
    const sleepPidFile = path.join(scratch, 'sigterm-with-infra', 'sleep.pid');
    const child = startEntryPoint('dev/infra/withInfra.ts', ['--with-llama-server', 'true'], stubs, cache, sleepPidFile);
    const compiler = await startedCompiler(child, sleepPidFile);
    assert.ok(compiler.every(isAlive), 'the compile step runs');
    child.kill('SIGTERM');
    assert.deepEqual(await exitOf(child), { code: 143, signal: null });
    await eventually(() => !compiler.some(isAlive), 10_000, `the compile step and its sleep (pids ${compiler.join(', ')}) to be gone`);
  });

  it('two tiny-model writes at once install the gguf venv once and write once; stale models and old partial files go, the current model stays', async () => {
    const { paths, stubs } = scratchCache('tiny-model');
    useStubs(stubs);
    const model = tinyModelPath(paths);
    fs.mkdirSync(paths.models, { recursive: true });
    const olderScript = path.join(paths.models, 'tiny-0123456789ab.gguf');
    const abandoned = path.join(paths.models, 'tiny-0123456789ab.gguf.999999.partial');
    const fresh = path.join(paths.models, `${path.basename(model)}.999998.partial`);
    for (const file of [olderScript, abandoned, fresh]) fs.writeFileSync(file, 'x');
    const hourAgo = new Date(Date.now() - 3_600_000);
    fs.utimesSync(abandoned, hourAgo, hourAgo);

    const written = await Promise.all([ensureTinyModel(paths), ensureTinyModel(paths)]);
    assert.deepEqual(written, [model, model]);
    assert.deepEqual(stubs.steps(), ['venv', 'pip', 'write']);
    assert.equal(fs.readFileSync(model, 'utf8'), 'gguf\n');
    assert.deepEqual(fs.readdirSync(paths.models).sort(), [path.basename(model), path.basename(fresh)].sort());
  });
});
