import { describe, it } from 'node:test';
import { serversFromEnv } from '../../../dev/chaos/chaosServers';
import { runSmallScenario } from './chaosAssertions';

// Killing relay processes leaves the servers alone: this runs on the shared ones, under names of its own.
describe('chaos: the worker killed', () => {
  it('a worker SIGKILLed with model calls in flight and restarted still ends every request with exactly one terminal event', async () => {
    await runSmallScenario(2, serversFromEnv());
  });
});
