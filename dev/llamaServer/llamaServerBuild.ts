import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withFileLock } from '../infra/fileLock';
import { isAlive } from '../infra/managedProcess';
import { ProgressLine } from '../infra/progressLine';
import { checkBuildTools } from './buildTools';
import { llamaCppPythonPackage, llamaServerPaths, type LlamaServerPaths } from './llamaServerPaths';
import { runToolStep } from '../infra/toolStep';

/**
 * How llama.cpp is configured. Release, portable (no `-march=native`, so a shared cache works on
 * another x86 machine), llama.cpp's own libraries linked in (the binary is one file, movable with
 * the cache; it still needs the system's libstdc++ and libgomp, as `ldd` shows), and offline:
 * without `LLAMA_USE_PREBUILT_UI=OFF` the build downloads the web UI from Hugging Face. The built
 * marker records them: a change here rebuilds.
 */
export const llamaCppCmakeFlags: readonly string[] = [
  '-DCMAKE_BUILD_TYPE=Release',
  '-DGGML_NATIVE=OFF',
  '-DBUILD_SHARED_LIBS=OFF',
  '-DLLAMA_CURL=OFF',
  '-DLLAMA_OPENSSL=OFF',
  '-DLLAMA_USE_PREBUILT_UI=OFF',
  '-DLLAMA_BUILD_TESTS=OFF',
  '-DLLAMA_BUILD_EXAMPLES=OFF',
  '-DLLAMA_BUILD_SERVER=ON',
];

export interface LlamaServerBuild {
  readonly binary: string;
  /** False when a finished build was found in the cache. */
  readonly built: boolean;
  readonly seconds: number;
}

export interface EnsureLlamaServerOptions {
  readonly paths?: LlamaServerPaths;
  /** Parallel compile jobs; default: the machine's cores. */
  readonly jobs?: number;
}

/**
 * Builds llama.cpp's `llama-server` from the llama.cpp tree vendored in the PyPI source package
 * `llama-cpp-python` (no other download source is needed), unless a finished build is cached.
 * Progress goes to stderr; a failing step throws a `ToolStepError` naming it, with its output's tail.
 *
 * @example
 * const { binary } = await ensureLlamaServer(); // minutes on 2 cores the first time, then instant
 */
export async function ensureLlamaServer(options: EnsureLlamaServerOptions = {}): Promise<LlamaServerBuild> {
  const paths = options.paths ?? llamaServerPaths();
  if (isBuilt(paths)) return { binary: paths.binary, built: false, seconds: 0 };
  // One build at a time per cache: two would compile in parallel on a small machine and delete the shared download under each other.
  return withFileLock(
    path.join(paths.dir, '.build.lock'),
    async () => (isBuilt(paths) ? { binary: paths.binary, built: false, seconds: 0 } : build(paths, options)),
    { onWait: (pid) => process.stderr.write(`llama-server: another build (pid ${pid ?? '?'}) is running in ${paths.dir}; waiting for it\n`) },
  );
}

async function build(paths: LlamaServerPaths, options: EnsureLlamaServerOptions): Promise<LlamaServerBuild> {
  checkBuildTools();
  const progress = new ProgressLine(`llama-server (llama.cpp from ${llamaCppPythonPackage})`);
  removeAbandonedStagings(paths);
  // A staging folder per process: an interrupted build's folder is recognised by its dead pid.
  const staging = `${paths.staging}-${process.pid}`;
  try {
    const sourcePackage = await downloadSourcePackage(paths, progress);
    const source = await extractLlamaCpp(sourcePackage, staging, progress).catch((error: unknown) => {
      // A damaged download would fail the same way every time: the next run downloads it again.
      fs.rmSync(paths.download, { recursive: true, force: true });
      throw error;
    });
    const built = await compileServer(source, path.join(staging, 'build'), options.jobs ?? os.availableParallelism(), progress);
    install(built, paths);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  progress.done(`built ${paths.binary} in ${progress.elapsedSeconds()} s`);
  return { binary: paths.binary, built: true, seconds: Number(progress.elapsedSeconds()) };
}

/**
 * Whether a finished build of this package with these cmake flags is cached (its marker is
 * written only after the binary is in place, and names both).
 */
export function isBuilt(paths: LlamaServerPaths = llamaServerPaths()): boolean {
  let marker: string;
  try {
    marker = fs.readFileSync(paths.builtMarker, 'utf8');
  } catch {
    return false;
  }
  return marker.split('\n')[0] === builtMarkerLine() && fs.existsSync(paths.binary);
}

function builtMarkerLine(): string {
  return `${llamaCppPythonPackage} ${llamaCppCmakeFlags.join(' ')}`;
}

/** `pip download` of the source package; a finished download (its own marker) is reused. */
async function downloadSourcePackage(paths: LlamaServerPaths, progress: ProgressLine): Promise<string> {
  const marker = path.join(paths.download, '.complete');
  if (!fs.existsSync(marker)) {
    fs.rmSync(paths.download, { recursive: true, force: true });
    await runToolStep({
      step: `download (pip download ${llamaCppPythonPackage})`,
      command: process.env.PYTHON ?? 'python3',
      // The source package (not a wheel) of this one package only: `:all:` would also refuse wheels
      // for its build dependencies, and pip would compile CMake from source for many minutes.
      args: ['-m', 'pip', 'download', '--no-deps', '--no-binary', llamaCppPythonPackage.split('==')[0] ?? '', '--disable-pip-version-check', '--progress-bar', 'off', llamaCppPythonPackage, '-d', paths.download],
      progress,
    });
    fs.writeFileSync(marker, `${new Date().toISOString()}\n`);
  }
  const archive = fs.readdirSync(paths.download).find((name) => name.endsWith('.tar.gz'));
  if (!archive) throw new Error(`download (pip download ${llamaCppPythonPackage}) left no .tar.gz in ${paths.download}`);
  return path.join(paths.download, archive);
}

/** Extracts `<package>/vendor/llama.cpp` (without the git link that points outside the tree). */
async function extractLlamaCpp(sourcePackage: string, staging: string, progress: ProgressLine): Promise<string> {
  const source = path.join(staging, 'llama.cpp');
  fs.mkdirSync(source, { recursive: true });
  await runToolStep({
    step: 'extract (tar)',
    command: 'tar',
    args: ['-xzf', sourcePackage, '-C', source, '--strip-components=3', '--wildcards', '--exclude=*/vendor/llama.cpp/.git', '*/vendor/llama.cpp/*'],
    progress,
  });
  if (!fs.existsSync(path.join(source, 'CMakeLists.txt'))) throw new Error(`extract (tar): ${sourcePackage} holds no vendor/llama.cpp tree`);
  return source;
}

async function compileServer(source: string, build: string, jobs: number, progress: ProgressLine): Promise<string> {
  await runToolStep({ step: 'configure (cmake)', command: 'cmake', args: ['-S', source, '-B', build, ...llamaCppCmakeFlags], progress });
  await runToolStep({ step: 'compile (cmake --build)', command: 'cmake', args: ['--build', build, '--target', 'llama-server', '-j', String(jobs)], progress });
  const binary = path.join(build, 'bin', 'llama-server');
  if (!fs.existsSync(binary)) throw new Error(`compile (cmake --build) reported success but ${binary} is missing`);
  return binary;
}

/** Binary first (renamed into place, so never half-copied), then the marker. */
function install(built: string, paths: LlamaServerPaths): void {
  fs.mkdirSync(path.dirname(paths.binary), { recursive: true });
  const incoming = `${paths.binary}.${process.pid}`;
  fs.copyFileSync(built, incoming);
  fs.chmodSync(incoming, 0o755);
  fs.renameSync(incoming, paths.binary);
  fs.writeFileSync(paths.builtMarker, `${builtMarkerLine()}\n${new Date().toISOString()}\n`);
}

/** Staging folders of builds whose process is gone (interrupted): hundreds of MB each. */
function removeAbandonedStagings(paths: LlamaServerPaths): void {
  const prefix = `${path.basename(paths.staging)}-`;
  let names: string[];
  try {
    names = fs.readdirSync(path.dirname(paths.staging));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(name.slice(prefix.length));
    if (name.startsWith(prefix) && Number.isInteger(pid) && (pid === process.pid || !isAlive(pid))) {
      fs.rmSync(path.join(path.dirname(paths.staging), name), { recursive: true, force: true });
    }
  }
}
