import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { listedRuns, listQueryChunks, listQueryMaxIds } from '../../../src/temporal/listedRuns';
import { eventually, testTemporalClient, uniqueName } from '../../support/testInfrastructure';

describe('which workflow ids Temporal lists', () => {
  const prefix = uniqueName('listed');
  const plain = `${prefix}-plain`;
  const quoted = `${prefix}-it's`;
  let client: Client;
  let connection: Connection;

  before(async () => {
    ({ client, connection } = await testTemporalClient());
    // Nobody polls this queue: the runs stay open until the test terminates them.
    for (const workflowId of [plain, quoted]) await client.workflow.start('ResearchWorkflow', { taskQueue: `${prefix}-idle`, workflowId, args: [] });
  });
  after(async () => {
    for (const workflowId of [plain, quoted]) await client.workflow.getHandle(workflowId).terminate('test cleanup').catch(() => undefined);
    await connection.close();
  });

  it('answers for each id in one query, a quote in an id escaped; an id no query can find is left out', async () => {
    const ids = [plain, quoted, `${prefix}-missing`, `${prefix}-back\\slash`];
    const listed = await eventually(async () => {
      const answer = await listedRuns(client, ids);
      return answer.get(plain) && answer.get(quoted) ? answer : undefined;
    }, 30_000, 'both runs to be listed');
    assert.deepEqual([...listed], [[plain, true], [quoted, true], [`${prefix}-missing`, false]]);
  });

  it('splits ids into queries of at most 200, leaving out the unlistable', () => {
    const ids = Array.from({ length: 450 }, (_, i) => `research-r${i}`);
    const chunks = listQueryChunks([...ids, 'research-"quoted"']);
    assert.deepEqual(chunks.map((chunk) => chunk.length), [listQueryMaxIds, listQueryMaxIds, 50]);
    assert.deepEqual(chunks.flat(), ids);
  });
});
