import path from 'node:path';
import { infraPaths } from '../infra/infraPaths';

/** The Helm release the chart tests run, from the Go module proxy (`go install`). */
export const helmModule = 'helm.sh/helm/v4/cmd/helm';
export const helmVersion = 'v4.3.2';

/** Debian's `prometheus` package: the server and `promtool` (2.42 in bookworm). */
export const prometheusDebianPackage = 'prometheus';

export interface K8sToolPaths {
  /** `go install`'s GOBIN: the `helm` binary lands here. */
  readonly helmBin: string;
  readonly helm: string;
  /** GOPATH, GOMODCACHE and GOCACHE of the Helm build, so nothing lands in the user's ~/go. */
  readonly goPath: string;
  readonly goModCache: string;
  readonly goBuildCache: string;
  /** Where the Debian package is unpacked (`dpkg-deb -x`): `usr/bin/prometheus`, `usr/bin/promtool`. */
  readonly prometheusRoot: string;
  readonly prometheus: string;
  readonly promtool: string;
}

/**
 * Where the Kubernetes tooling lives inside the project cache (`.cache/`, or
 * `RESEARCH_RELAY_CACHE_DIR`), next to the local infrastructure's downloads.
 */
export function k8sToolPaths(env: NodeJS.ProcessEnv = process.env): K8sToolPaths {
  const root = infraPaths(env).root;
  const helmBin = path.join(root, 'helm', 'bin');
  const goPath = path.join(root, 'go');
  const prometheusRoot = path.join(root, 'prometheus', 'deb');
  return {
    helmBin,
    helm: path.join(helmBin, 'helm'),
    goPath,
    goModCache: path.join(goPath, 'pkg', 'mod'),
    goBuildCache: path.join(goPath, 'build-cache'),
    prometheusRoot,
    prometheus: path.join(prometheusRoot, 'usr', 'bin', 'prometheus'),
    promtool: path.join(prometheusRoot, 'usr', 'bin', 'promtool'),
  };
}
