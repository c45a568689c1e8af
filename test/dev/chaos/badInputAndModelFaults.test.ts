import { describe, it } from 'node:test';
import { serversFromEnv } from '../../../dev/chaos/chaosServers';
import { runSmallScenario } from './chaosAssertions';

describe('chaos: bad input and model faults', () => {
  it('good requests mixed with every kind of poison record: one run per good request, one DLQ record per poison record', async () => {
    await runSmallScenario(5, serversFromEnv());
  });

  it('a storm where 30 % of model calls fail (429, 500, timeout, malformed JSON) still ends every request with exactly one terminal event', async () => {
    await runSmallScenario(6, serversFromEnv());
  });
});
