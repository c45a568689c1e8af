import { describe, it } from 'node:test';
import { serversFromEnv } from '../../../dev/chaos/chaosServers';
import { runSmallScenario } from './chaosAssertions';

// Scenarios 1 and 2 kill relay processes only, so they run on the shared servers under names of their own.
describe('chaos: relay processes killed', () => {
  it('a consumer SIGKILLed mid-batch and restarted loses no request and starts no second run', async () => {
    await runSmallScenario(1, serversFromEnv());
  });

  it('a worker SIGKILLed with model calls in flight and restarted still ends every request with exactly one terminal event', async () => {
    await runSmallScenario(2, serversFromEnv());
  });
});
