import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { ConfigurationError } from '../../../src/errors';
import { withTemporalClient } from '../../../src/temporal/temporalClient';
import { temporalDataConverter } from '../../../src/temporal/temporalDataConverter';
import { testConfig } from '../../support/testInfrastructure';

describe('a Temporal client handed to the operator tools', () => {
  it('is refused when it would write plain text where the relay encrypts, and used when it encrypts too', async () => {
    const config = testConfig({ PAYLOAD_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}` });
    const connection = Connection.lazy({ address: config.temporal.address });
    try {
      const plain = new Client({ connection, namespace: config.temporal.namespace });
      await assert.rejects(withTemporalClient(config.temporal, plain, () => Promise.resolve('used')), (error: unknown) => {
        assert.ok(error instanceof ConfigurationError);
        assert.match(error.message, /no payload encryption codec/);
        return true;
      });
      const encrypting = new Client({ connection, namespace: config.temporal.namespace, dataConverter: temporalDataConverter(config.temporal.payloadEncryption) });
      assert.equal(await withTemporalClient(config.temporal, encrypting, () => Promise.resolve('used')), 'used');
    } finally {
      await connection.close();
    }
  });
});
