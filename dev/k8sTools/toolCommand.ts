import { spawnSync } from 'node:child_process';

/** A tool an install needs (go, apt-get, dpkg-deb) is missing; installing it is the fix, retrying is not. */
export class MissingToolError extends Error {
  readonly retryable = false;

  constructor(
    readonly tool: string,
    message: string,
  ) {
    super(message);
    this.name = 'MissingToolError';
  }
}

/** Throws a `MissingToolError` with `hint` when `command --version`-style `args` cannot run. */
export function requireTool(command: string, args: readonly string[], hint: string): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  if (result.error || result.status !== 0) throw new MissingToolError(command, hint);
  return `${result.stdout}${result.stderr}`.trim();
}
