import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { withFileLock } from '../infra/fileLock';
import { ProgressLine } from '../infra/progressLine';
import { installIntoVenv, isInstalled } from '../infra/pythonVenv';
import { ggufPackage, llamaServerPaths, type LlamaServerPaths } from './llamaServerPaths';
import { runToolStep } from '../infra/toolStep';

/** The script that writes the model; its content hash names the file, so an edit makes a new one. */
export const tinyModelScript = path.join(__dirname, 'write_tiny_model.py');

/** Where the model the current script writes is cached. */
export function tinyModelPath(paths: LlamaServerPaths = llamaServerPaths()): string {
  const hash = createHash('sha256').update(fs.readFileSync(tinyModelScript)).digest('hex').slice(0, 12);
  return path.join(paths.models, `tiny-${hash}.gguf`);
}

/**
 * The tiny llama-architecture GGUF model (~0.5 MB, shaped weights, see write_tiny_model.py),
 * written by the project itself with PyPI's `gguf` in a virtualenv of its own; cached.
 *
 * @example
 * const model = await ensureTinyModel(); // <cache>/llama-server/0.3.36/models/tiny-<hash>.gguf
 */
export async function ensureTinyModel(paths: LlamaServerPaths = llamaServerPaths()): Promise<string> {
  const model = tinyModelPath(paths);
  if (fs.existsSync(model)) return model;
  fs.mkdirSync(paths.models, { recursive: true });
  return withFileLock(path.join(paths.models, '.write.lock'), async () => {
    if (!fs.existsSync(model)) await writeTinyModel(paths, model);
    return model;
  });
}

async function writeTinyModel(paths: LlamaServerPaths, model: string): Promise<void> {
  if (!isInstalled(paths.ggufVenv, ggufPackage)) {
    await installIntoVenv({
      venv: paths.ggufVenv,
      requirement: ggufPackage,
      label: `GGUF writer (${ggufPackage}) from PyPI`,
      minimumPython: [3, 10],
      alternative: 'install Python 3.10 or newer (or set PYTHON to one)',
    });
  }
  const progress = new ProgressLine('tiny test model');
  // Written aside and renamed: an interrupted write never leaves a file that looks finished.
  const incoming = `${model}.${process.pid}.partial`;
  try {
    await runToolStep({ step: 'write (write_tiny_model.py)', command: path.join(paths.ggufVenv, 'bin', 'python'), args: [tinyModelScript, incoming], progress });
    fs.renameSync(incoming, model);
  } finally {
    fs.rmSync(incoming, { force: true });
  }
  removeStaleModels(paths.models, path.basename(model));
  progress.done(`wrote ${model} (${fs.statSync(model).size} bytes)`);
}

/** A partial file this old was left by a write that was interrupted (a live write takes seconds). */
const abandonedPartialMs = 10 * 60_000;

/** Models an older script wrote, and partial files of interrupted writes; never the current model. */
function removeStaleModels(directory: string, current: string): void {
  for (const name of fs.readdirSync(directory)) {
    const file = path.join(directory, name);
    if (/^tiny-[0-9a-f]+\.gguf$/.test(name) && name !== current) fs.rmSync(file, { force: true });
    if (name.endsWith('.partial') && Date.now() - statMtime(file) > abandonedPartialMs) fs.rmSync(file, { force: true });
  }
}

function statMtime(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return Date.now();
  }
}
