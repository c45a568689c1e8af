import path from 'node:path';
import { infraPaths, type InfraPaths } from '../infra/infraPaths';

/** The PyPI source package whose vendored llama.cpp tree `llama-server` is built from. */
export const llamaCppPythonPackage = 'llama-cpp-python==0.3.36';

/** The `gguf` release (PyPI) that writes the tiny test model. */
export const ggufPackage = 'gguf==0.19.0';

/** Where the build, its download and the tiny model are cached (`<cache>/llama-server/<version>/`). */
export interface LlamaServerPaths {
  readonly dir: string;
  /** `pip download` puts the source package here. */
  readonly download: string;
  /** Extraction and cmake build; removed after a successful build, and before a new one. */
  readonly staging: string;
  /** The server binary (llama.cpp's libraries linked in; the system's libstdc++ and libgomp are not). */
  readonly binary: string;
  /** Written last, only after the binary is in place: without it the build starts over. */
  readonly builtMarker: string;
  /** The virtualenv with `gguf` that writes the tiny model. */
  readonly ggufVenv: string;
  readonly models: string;
}

export function llamaServerPaths(paths: InfraPaths = infraPaths()): LlamaServerPaths {
  const version = llamaCppPythonPackage.split('==')[1] ?? 'unknown';
  const dir = path.join(paths.root, 'llama-server', version);
  return {
    dir,
    download: path.join(dir, 'download'),
    staging: path.join(dir, 'staging'),
    binary: path.join(dir, 'bin', 'llama-server'),
    builtMarker: path.join(dir, 'bin', '.built'),
    ggufVenv: path.join(paths.root, 'llama-server', 'gguf-venv'),
    models: path.join(dir, 'models'),
  };
}
