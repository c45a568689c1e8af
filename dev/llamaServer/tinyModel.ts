import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ProgressLine } from '../infra/progressLine';
import { installIntoVenv, isInstalled } from '../infra/pythonVenv';
import { ggufPackage, llamaServerPaths, type LlamaServerPaths } from './llamaServerPaths';
import { runToolStep } from './toolStep';

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
  if (!isInstalled(paths.ggufVenv, ggufPackage)) {
    await installIntoVenv({
      venv: paths.ggufVenv,
      requirement: ggufPackage,
      label: `GGUF writer (${ggufPackage}) from PyPI`,
      minimumPython: [3, 10],
      alternative: 'install Python 3.10 or newer (or set PYTHON to one)',
    });
  }
  fs.mkdirSync(paths.models, { recursive: true });
  const progress = new ProgressLine('tiny test model');
  // Written aside and renamed: an interrupted write never leaves a file that looks finished.
  const incoming = `${model}.${process.pid}.partial`;
  try {
    await runToolStep({ step: 'write (write_tiny_model.py)', command: path.join(paths.ggufVenv, 'bin', 'python'), args: [tinyModelScript, incoming], progress });
    removeOtherModels(paths.models);
    fs.renameSync(incoming, model);
  } finally {
    fs.rmSync(incoming, { force: true });
  }
  progress.done(`wrote ${model} (${fs.statSync(model).size} bytes)`);
  return model;
}

/** Models an older script wrote (other processes' partial files are left alone). */
function removeOtherModels(directory: string): void {
  for (const name of fs.readdirSync(directory)) {
    if (/^tiny-[0-9a-f]+\.gguf$/.test(name)) fs.rmSync(path.join(directory, name), { force: true });
  }
}
