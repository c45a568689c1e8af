import { describe, it } from 'node:test';
import { serversFromEnv } from '../../../dev/chaos/chaosServers';
import { runSmallScenario } from './chaosAssertions';

// Killing relay processes leaves the servers alone: this runs on the shared ones, under names of its own.
describe('chaos: the consumer killed', () => {
  it('a consumer SIGKILLed mid-batch and restarted loses no request and starts no second run', async () => {
    await runSmallScenario(1, serversFromEnv());
  });
});
