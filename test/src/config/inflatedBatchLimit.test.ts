import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadRelayConfig } from '../../../src/config/relayConfig';
import { ConfigurationError } from '../../../src/errors';

describe('INGEST_MAX_INFLATED_BATCH_BYTES', () => {
  it('defaults to 16 MiB and takes 1 MiB to 1 GiB', () => {
    assert.equal(loadRelayConfig({}).maxInflatedBatchBytes, 16_777_216);
    assert.equal(loadRelayConfig({ INGEST_MAX_INFLATED_BATCH_BYTES: '1048576' }).maxInflatedBatchBytes, 1_048_576);
    assert.equal(loadRelayConfig({ INGEST_MAX_INFLATED_BATCH_BYTES: '1073741824' }).maxInflatedBatchBytes, 1_073_741_824);
    for (const wrong of ['1048575', '1073741825', 'lots']) {
      assert.throws(() => loadRelayConfig({ INGEST_MAX_INFLATED_BATCH_BYTES: wrong }), (error: unknown) => error instanceof ConfigurationError && error.problems.some((problem) => problem.startsWith('INGEST_MAX_INFLATED_BATCH_BYTES=')));
    }
  });

  it('is documented in the README next to INGEST_MAX_MESSAGE_BYTES', () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');
    assert.match(readme, /^\| `INGEST_MAX_MESSAGE_BYTES` .*\n\| `INGEST_MAX_INFLATED_BATCH_BYTES` \| `16777216`/m);
  });
});
