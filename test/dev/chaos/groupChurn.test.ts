import { describe, it } from 'node:test';
import { serversFromEnv } from '../../../dev/chaos/chaosServers';
import { runSmallScenario } from './chaosAssertions';

describe('chaos: consumer group churn', () => {
  it('three consumers in one group, members leaving (SIGTERM, SIGKILL) and joining mid-stream: nothing lost, no second run', async () => {
    await runSmallScenario(7, serversFromEnv());
  });
});
