import { spawnSync } from 'node:child_process';

/** A tool the llama.cpp build needs is missing or too old; installing it is the fix, retrying is not. */
export class MissingBuildToolError extends Error {
  readonly retryable = false;

  constructor(
    readonly tool: string,
    message: string,
  ) {
    super(message);
    this.name = 'MissingBuildToolError';
  }
}

/** llama.cpp's CMakeLists.txt asks for this at least. */
const minimumCmake: readonly [number, number] = [3, 14];

/**
 * Checks, before anything is downloaded, that cmake (3.14+), a C++ compiler and pip are there;
 * a missing one throws a `MissingBuildToolError` whose one-line message names what to install.
 * Without it a missing cmake surfaces as pip building CMake from source, or as a failure minutes in.
 */
export function checkBuildTools(env: NodeJS.ProcessEnv = process.env): void {
  checkCmake(env);
  checkCompiler(env);
  checkPip(env);
}

function checkCmake(env: NodeJS.ProcessEnv): void {
  const result = run('cmake', ['--version'], env);
  const found = /cmake version (\d+)\.(\d+)/.exec(result ?? '');
  const [major, minor] = minimumCmake;
  if (!found) {
    throw new MissingBuildToolError('cmake', `building llama-server needs cmake ${major}.${minor} or newer on PATH and there is none: install cmake (apt-get install cmake, brew install cmake, or pip install cmake)`);
  }
  const [foundMajor, foundMinor] = [Number(found[1]), Number(found[2])];
  if (foundMajor < major || (foundMajor === major && foundMinor < minor)) {
    throw new MissingBuildToolError('cmake', `building llama-server needs cmake ${major}.${minor} or newer; the cmake on PATH is ${found[1]}.${found[2]}: install a newer cmake (pip install cmake)`);
  }
}

function checkCompiler(env: NodeJS.ProcessEnv): void {
  // cmake picks $CXX when set, else c++ (g++ or clang++ are the usual ones behind it).
  const candidates = env.CXX ? [env.CXX] : ['c++', 'g++', 'clang++'];
  if (candidates.some((compiler) => run(compiler, ['--version'], env) !== undefined)) return;
  throw new MissingBuildToolError('c++', `building llama-server needs a C++ compiler and ${candidates.join(', ')} cannot be run: install one (apt-get install g++, or xcode-select --install)${env.CXX ? ' or fix CXX' : ''}`);
}

function checkPip(env: NodeJS.ProcessEnv): void {
  const python = env.PYTHON ?? 'python3';
  if (run(python, ['-m', 'pip', '--version'], env) !== undefined) return;
  throw new MissingBuildToolError('pip', `building llama-server downloads its source with pip and \`${python} -m pip --version\` fails: install pip for it (apt-get install python3-pip) or set PYTHON to a Python that has pip`);
}

/** The tool's output, or undefined when it cannot run or fails. */
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  const result = spawnSync(command, args, { env, encoding: 'utf8', timeout: 30_000 });
  if (result.error || result.status !== 0) return undefined;
  return result.stdout;
}
