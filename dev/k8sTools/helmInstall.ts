import fs from 'node:fs';
import path from 'node:path';
import { withFileLock } from '../infra/fileLock';
import { ProgressLine } from '../infra/progressLine';
import { helmModule, helmVersion, k8sToolPaths, type K8sToolPaths } from './k8sToolPaths';
import { runToolStep } from '../infra/toolStep';
import { requireTool } from './toolCommand';

export interface ToolInstall {
  readonly binary: string;
  /** False when a finished install was found in the cache. */
  readonly installed: boolean;
  readonly seconds: number;
}

/** The file whose presence says `go install` finished for exactly this version. */
export function helmMarker(paths: K8sToolPaths = k8sToolPaths()): string {
  return path.join(paths.helmBin, `.installed-helm-${helmVersion}`);
}

/**
 * Builds Helm from the Go module proxy into the project cache (`go install
 * helm.sh/helm/v4/cmd/helm@v4.3.2`, GOPATH, module and build caches there too), unless that
 * version is already cached. One install at a time per cache (a lock file); a failed one leaves
 * no marker, so the next call starts over.
 *
 * @example
 * const { binary } = await ensureHelm(); // a few minutes on 2 cores the first time, then instant
 */
export async function ensureHelm(paths: K8sToolPaths = k8sToolPaths()): Promise<ToolInstall> {
  if (fs.existsSync(helmMarker(paths))) return { binary: paths.helm, installed: false, seconds: 0 };
  return withFileLock(
    `${paths.helmBin}.lock`,
    async () => (fs.existsSync(helmMarker(paths)) ? { binary: paths.helm, installed: false, seconds: 0 } : installHelm(paths)),
    { onWait: (pid) => process.stderr.write(`Helm: another install (pid ${pid ?? '?'}) is running into ${paths.helmBin}; waiting for it\n`) },
  );
}

async function installHelm(paths: K8sToolPaths): Promise<ToolInstall> {
  requireTool('go', ['version'], `installing Helm ${helmVersion} builds it with Go and \`go version\` fails: install Go 1.26 or newer (Helm 4.3's go.mod asks for it; https://go.dev/doc/install — Debian 12's golang-go is too old) and put it on PATH`);
  const progress = new ProgressLine(`Helm ${helmVersion} (${helmModule}) from the Go module proxy`);
  const started = Date.now();
  fs.rmSync(helmMarker(paths), { force: true });
  fs.mkdirSync(paths.helmBin, { recursive: true });
  await runToolStep({
    step: 'go install',
    command: 'go',
    args: ['install', `${helmModule}@${helmVersion}`],
    env: {
      ...process.env,
      GOBIN: paths.helmBin,
      GOPATH: paths.goPath,
      GOMODCACHE: paths.goModCache,
      GOCACHE: paths.goBuildCache,
      GOFLAGS: '-mod=mod',
      // Helm's own release builds are static; so is this one, movable with the cache.
      CGO_ENABLED: '0',
    },
    progress,
  });
  fs.writeFileSync(helmMarker(paths), `${new Date().toISOString()}\n`);
  const seconds = (Date.now() - started) / 1000;
  progress.done('installed');
  return { binary: paths.helm, installed: true, seconds };
}
