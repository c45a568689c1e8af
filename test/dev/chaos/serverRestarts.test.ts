import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startPrivateServers, type PrivateServers } from '../../../dev/chaos/privateServers';
import { runSmallScenario } from './chaosAssertions';

// Scenarios 3 and 4 kill servers: they get a private broker and Temporal server, never the shared ones.
describe('chaos: servers killed and restarted', () => {
  let servers: PrivateServers;

  before(async () => {
    servers = await startPrivateServers(`test-${randomUUID().slice(0, 8)}`);
  });
  after(async () => {
    // Also after a failed before(): servers that did not start have stopped themselves.
    await servers?.stop();
    // Their logs too: a failing scenario prints where the relay's own logs are.
    if (servers) fs.rmSync(servers.directory, { recursive: true, force: true });
  });

  it('the Kafka broker SIGKILLed during steady producing and restarted: nothing lost, no second run', async () => {
    await runSmallScenario(3, servers);
  });

  it('the Temporal server restarted during steady producing: nothing lost, nothing dead-lettered, no second run', async () => {
    await runSmallScenario(4, servers);
  });
});
