import { describe, it } from 'node:test';
import { serversFromEnv } from '../../../dev/chaos/chaosServers';
import { runSmallScenario } from './chaosAssertions';

// Restarting relay processes leaves the servers alone: this runs on the shared ones, under names of its own.
describe('chaos: a fleet of relay processes restarted', () => {
  it('two consumers and three workers, each replaced in turn (SIGTERM once its replacement is ready) and one consumer SIGKILLed mid-batch, while requests keep coming: nothing lost, no second run', async () => {
    await runSmallScenario(9, serversFromEnv());
  });
});
