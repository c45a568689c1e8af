import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ensureHelm, ensurePrometheus, helmMarker, k8sToolPaths, MissingToolError } from '../../dev/k8sTools';

describe('installing the Kubernetes tooling into the project cache', () => {
  const emptyCache = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-tools-cache-'));
  after(() => fs.rmSync(emptyCache, { recursive: true, force: true }));

  it('without go or apt-get on PATH, says which tool to install and leaves no install marker', async () => {
    const paths = k8sToolPaths({ RESEARCH_RELAY_CACHE_DIR: emptyCache });
    const savedPath = process.env.PATH;
    process.env.PATH = path.join(emptyCache, 'no-such-bin');
    try {
      await assert.rejects(ensureHelm(paths), (error: unknown) => error instanceof MissingToolError && error.tool === 'go' && /install Go 1\.26 or newer/.test(error.message) && !error.retryable);
      await assert.rejects(ensurePrometheus(paths), (error: unknown) => error instanceof MissingToolError && error.tool === 'apt-get' && /Debian's prometheus package/.test(error.message));
    } finally {
      process.env.PATH = savedPath;
    }
    assert.equal(fs.existsSync(helmMarker(paths)), false);
    assert.equal(fs.existsSync(paths.prometheus), false);
  });

  it('installs once: a second call finds the cached helm and prometheus and returns at once', async () => {
    await Promise.all([ensureHelm(), ensurePrometheus()]);
    const started = Date.now();
    const [helm, prometheus] = await Promise.all([ensureHelm(), ensurePrometheus()]);
    assert.equal(helm.installed, false);
    assert.equal(prometheus.installed, false);
    assert.ok(Date.now() - started < 1000, 'no install step ran');
    assert.match(prometheus.version, /^2\./, 'Debian\'s Prometheus 2.x');
    for (const binary of [helm.binary, prometheus.binary, prometheus.promtool]) assert.ok(fs.statSync(binary).mode & 0o111, `${binary} is executable`);
  });
});
