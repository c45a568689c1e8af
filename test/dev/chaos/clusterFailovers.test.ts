import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startPrivateServers, type PrivateServers } from '../../../dev/chaos/privateServers';
import { runSmallScenario } from './chaosAssertions';

// Scenarios 10–13 kill brokers of a 3-broker KRaft cluster of their own (replication factor 3,
// min.insync.replicas 2) beside a private Temporal server; the shared servers are never touched.
describe('chaos: brokers of a 3-broker cluster killed and restarted', () => {
  let servers: PrivateServers;

  before(async () => {
    servers = await startPrivateServers(`test-${randomUUID().slice(0, 8)}`, process.env, { kafka: 'cluster' });
  });
  after(async () => {
    // Also after a failed before(): servers that did not start have stopped themselves.
    await servers?.stop();
    if (servers) fs.rmSync(servers.directory, { recursive: true, force: true });
  });

  it('the leader of the busiest requests partition SIGKILLed during steady producing and restarted: another broker takes over, sends go on, nothing lost, no second run', async () => {
    await runSmallScenario(10, servers);
  });

  it('the leader of the busiest research.completed partition SIGKILLed: the worker’s acks=all results go on to the new leader, nothing lost, one terminal event per request', async () => {
    await runSmallScenario(11, servers);
  });

  it('every broker restarted in turn (SIGTERM, start, all replicas in sync before the next) during steady producing: nothing lost, no second run', async () => {
    await runSmallScenario(12, servers);
  });

  it('the active KRaft controller SIGKILLed during steady producing: another node becomes controller, nothing lost, no second run', async () => {
    await runSmallScenario(13, servers);
  });
});
