import fs from 'node:fs';
import path from 'node:path';

/**
 * Stand-ins for python3, pip, cmake and the gguf venv's python, as shell scripts in `<dir>/bin`:
 * each appends its step's name to `<dir>/steps.log` and takes a moment (so two callers overlap),
 * so a test can count how often each step ran without a real download or compile. With
 * `STUB_COMPILE_FOREVER=<file>` in the environment, the compile step starts a `sleep` in its
 * process group, writes `<sleep pid> <its own pid>` to the file and waits for the sleep.
 */
export interface BuildToolStubs {
  readonly bin: string;
  readonly python: string;
  readonly stepsLog: string;
  /** The steps that ran so far, in order: venv, pip, write, download, configure, compile. */
  steps(): string[];
  /** `PATH` with the stubs first. */
  readonly path: string;
}

export function writeBuildToolStubs(dir: string): BuildToolStubs {
  const bin = path.join(dir, 'bin');
  const stepsLog = path.join(dir, 'steps.log');
  fs.mkdirSync(bin, { recursive: true });
  const script = (name: string, body: string): string => {
    const file = path.join(bin, name);
    fs.writeFileSync(file, `#!/bin/sh\nlog=${JSON.stringify(stepsLog)}\n${body}\n`, { mode: 0o755 });
    return file;
  };
  const python = script(
    'python3',
    `case "$1 $2" in
  "-c "*) echo 3.12 ;;
  "-m venv")
    echo venv >> "$log"; sleep 0.3; mkdir -p "$3/bin"
    printf '#!/bin/sh\\necho pip >> %s\\nsleep 0.3\\n' "$log" > "$3/bin/pip"
    printf '#!/bin/sh\\necho write >> %s\\nsleep 0.3\\necho gguf > "$2"\\n' "$log" > "$3/bin/python"
    chmod +x "$3/bin/pip" "$3/bin/python" ;;
  "-m pip")
    [ "$3" = --version ] && { echo "pip 24.0"; exit 0; }
    echo download >> "$log"; sleep 0.3
    for last; do :; done
    tree=$(mktemp -d); mkdir -p "$tree/llama_cpp_python-0.3.36/vendor/llama.cpp"
    echo 'project(stub)' > "$tree/llama_cpp_python-0.3.36/vendor/llama.cpp/CMakeLists.txt"
    mkdir -p "$last"; tar -czf "$last/llama_cpp_python-0.3.36.tar.gz" -C "$tree" llama_cpp_python-0.3.36; rm -rf "$tree" ;;
  *) echo "python stub: unexpected $*" >&2; exit 2 ;;
esac`,
  );
  script(
    'cmake',
    `case "$1" in
  --version) echo "cmake version 3.25.1" ;;
  -S) echo configure >> "$log"; mkdir -p "$4" ;;
  --build)
    echo compile >> "$log"
    if [ -n "$STUB_COMPILE_FOREVER" ]; then sleep 300 & echo "$! $$" > "$STUB_COMPILE_FOREVER"; wait; fi
    sleep 0.5; mkdir -p "$2/bin"; printf '#!/bin/sh\\n' > "$2/bin/llama-server"; chmod +x "$2/bin/llama-server" ;;
  *) echo "cmake stub: unexpected $*" >&2; exit 2 ;;
esac`,
  );
  return {
    bin,
    python,
    stepsLog,
    path: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
    steps: () => (fs.existsSync(stepsLog) ? fs.readFileSync(stepsLog, 'utf8').split('\n').filter(Boolean) : []),
  };
}
