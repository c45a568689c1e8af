import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { k8sToolPaths } from '../../dev/k8sTools';

/** The chart in the repository, and its all-options values file. */
export const chartDir = path.resolve(__dirname, '..', '..', 'deploy', 'helm', 'research-relay');
export const fullValuesFile = path.join(chartDir, 'ci', 'full-values.yaml');
export const releaseName = 'rr';
export const releaseNamespace = 'research';

/** A rendered Kubernetes object, as plain data. */
export interface RenderedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly spec?: Record<string, unknown>;
  readonly [field: string]: unknown;
}

export interface HelmResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the helm binary to its end (no cluster is ever contacted by lint and template). */
export function runHelm(helm: string, args: readonly string[]): HelmResult {
  // Helm's own folders in the project cache, not the user's ~/.config/helm.
  const home = path.join(path.dirname(k8sToolPaths().helmBin), 'home');
  const env = { ...process.env, HELM_CACHE_HOME: path.join(home, 'cache'), HELM_CONFIG_HOME: path.join(home, 'config'), HELM_DATA_HOME: path.join(home, 'data') };
  const result = spawnSync(helm, args, { encoding: 'utf8', timeout: 120_000, env });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `helm template` of the chart with these values files and `--set`s; throws with helm's message when it fails. */
export function renderChart(helm: string, options: { valuesFiles?: readonly string[]; set?: readonly string[] } = {}): RenderedObject[] {
  const result = runHelm(helm, templateArgs(options));
  if (result.status !== 0) throw new Error(`helm template failed (exit ${result.status}): ${result.stderr}`);
  return parseManifests(result.stdout);
}

export function templateArgs(options: { valuesFiles?: readonly string[]; set?: readonly string[] } = {}): string[] {
  return [
    'template', releaseName, chartDir, '--namespace', releaseNamespace,
    ...(options.valuesFiles ?? []).flatMap((file) => ['--values', file]),
    ...(options.set ?? []).flatMap((entry) => ['--set', entry]),
  ];
}

/** The documents of a multi-document manifest, empty ones (a disabled template) left out. */
export function parseManifests(text: string): RenderedObject[] {
  const objects: RenderedObject[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) throw new Error(`rendered YAML does not parse: ${document.errors.map((error) => error.message).join('; ')}`);
    const value = document.toJS() as RenderedObject | null;
    if (value !== null) objects.push(value);
  }
  return objects;
}

/** The one object of this kind and name suffix (`-worker`), failing when there is none or several. */
export function objectOf(objects: readonly RenderedObject[], kind: string, nameSuffix = ''): RenderedObject {
  const found = objects.filter((object) => object.kind === kind && object.metadata.name.endsWith(nameSuffix));
  if (found.length !== 1) throw new Error(`expected one ${kind} named *${nameSuffix}, found ${found.length}`);
  return found[0] as RenderedObject;
}
