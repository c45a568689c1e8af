import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withFileLock } from '../infra/fileLock';
import { ProgressLine } from '../infra/progressLine';
import type { ToolInstall } from './helmInstall';
import { k8sToolPaths, prometheusDebianPackage, type K8sToolPaths } from './k8sToolPaths';
import { runToolStep } from '../infra/toolStep';
import { requireTool } from './toolCommand';

export interface PrometheusInstall extends ToolInstall {
  readonly promtool: string;
  /** The Debian package's version, as the marker records it: "2.42.0+ds-5+b5". */
  readonly version: string;
}

const markerPrefix = '.installed-';

/**
 * Unpacks Debian's `prometheus` package (the server and `promtool`) into the project cache:
 * `apt-get download` (no root needed) then `dpkg-deb -x`, unless an unpacked copy is cached. The
 * package's binaries are static Go programs, so nothing else of Debian is needed. One install at
 * a time per cache; a failed one leaves no marker.
 *
 * @example
 * const { binary, promtool } = await ensurePrometheus();
 */
export async function ensurePrometheus(paths: K8sToolPaths = k8sToolPaths()): Promise<PrometheusInstall> {
  const cached = cachedVersion(paths);
  if (cached !== undefined) return { binary: paths.prometheus, promtool: paths.promtool, version: cached, installed: false, seconds: 0 };
  return withFileLock(
    `${paths.prometheusRoot}.lock`,
    async () => {
      const found = cachedVersion(paths);
      if (found !== undefined) return { binary: paths.prometheus, promtool: paths.promtool, version: found, installed: false, seconds: 0 };
      return installPrometheus(paths);
    },
    { onWait: (pid) => process.stderr.write(`Prometheus: another install (pid ${pid ?? '?'}) is running into ${paths.prometheusRoot}; waiting for it\n`) },
  );
}

function cachedVersion(paths: K8sToolPaths): string | undefined {
  let entries: string[];
  try {
    entries = fs.readdirSync(paths.prometheusRoot);
  } catch {
    return undefined;
  }
  const marker = entries.find((entry) => entry.startsWith(markerPrefix));
  if (marker === undefined || !fs.existsSync(paths.prometheus) || !fs.existsSync(paths.promtool)) return undefined;
  return marker.slice(markerPrefix.length);
}

async function installPrometheus(paths: K8sToolPaths): Promise<PrometheusInstall> {
  const missing = 'install Debian\'s apt (a Debian or Ubuntu machine) or put prometheus and promtool 2.x from another source into';
  requireTool('apt-get', ['--version'], `installing Prometheus downloads Debian's ${prometheusDebianPackage} package and apt-get cannot run: ${missing} ${path.dirname(paths.prometheus)}`);
  requireTool('dpkg-deb', ['--version'], `installing Prometheus unpacks Debian's ${prometheusDebianPackage} package and dpkg-deb cannot run: ${missing} ${path.dirname(paths.prometheus)}`);
  const progress = new ProgressLine(`Prometheus and promtool (Debian's ${prometheusDebianPackage} package)`);
  const started = Date.now();
  const download = fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-deb-'));
  try {
    await runToolStep({ step: 'apt-get download', command: 'apt-get', args: ['download', prometheusDebianPackage], cwd: download, progress });
    const deb = fs.readdirSync(download).find((name) => name.endsWith('.deb'));
    if (deb === undefined) throw new Error(`apt-get download ${prometheusDebianPackage} left no .deb in ${download}`);
    const version = decodeURIComponent(deb.split('_')[1] ?? 'unknown');
    fs.rmSync(paths.prometheusRoot, { recursive: true, force: true });
    fs.mkdirSync(paths.prometheusRoot, { recursive: true });
    await runToolStep({ step: 'dpkg-deb -x', command: 'dpkg-deb', args: ['-x', path.join(download, deb), paths.prometheusRoot], progress });
    if (!fs.existsSync(paths.prometheus) || !fs.existsSync(paths.promtool)) {
      throw new Error(`${deb} holds no usr/bin/prometheus and usr/bin/promtool`);
    }
    fs.writeFileSync(path.join(paths.prometheusRoot, `${markerPrefix}${version}`), `${new Date().toISOString()}\n`);
    progress.done(`installed ${version}`);
    return { binary: paths.prometheus, promtool: paths.promtool, version, installed: true, seconds: (Date.now() - started) / 1000 };
  } finally {
    fs.rmSync(download, { recursive: true, force: true });
  }
}
