import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AssignerProtocol, type Consumer } from 'kafkajs';
import { eventually } from '../support/eventually';
import { PipelineHarness } from '../support/pipelineHarness';
import { tearDown } from '../support/teardown';

const root = path.resolve(__dirname, '../..');

describe('a consumer that kafkajs will not restart', () => {
  let harness: PipelineHarness;
  let blocker: Consumer;
  let service: ChildProcess | undefined;

  before(async () => {
    harness = await PipelineHarness.start({ roles: { consumer: false, worker: false } });
    // A member of the same group that speaks another assignment protocol: the relay's consumer
    // then fails to join with INCONSISTENT_GROUP_PROTOCOL, an error kafkajs does not retry.
    const topic = harness.config.topics.requested;
    const otherAssigner = () => ({
      name: 'OtherAssigner',
      version: 1,
      protocol: () => ({ name: 'OtherAssigner', metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics: [topic], userData: Buffer.alloc(0) }) }),
      assign: () => Promise.resolve([]),
    });
    blocker = harness.kafka.consumer({ groupId: harness.config.consumerGroupId, partitionAssigners: [otherAssigner] });
    await blocker.connect();
    await blocker.subscribe({ topic });
    await blocker.run({ eachMessage: () => Promise.resolve() });
  });
  // Also after a failed before(): the harness is closed whatever the blocker's disconnect threw.
  after(() =>
    tearDown(
      () => {
        if (service?.exitCode === null) service.kill('SIGKILL');
      },
      () => (blocker as Consumer | undefined)?.disconnect(),
      () => (harness as PipelineHarness | undefined)?.close(),
    ),
  );

  it('ends the service process with exit code 1 and says why, so its supervisor restarts it', async () => {
    let output = '';
    service = spawn(process.execPath, [path.join(root, 'dist/app/service/serviceMain.js'), '--role', 'consumer'], { env: { ...process.env, ...harness.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    service.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    service.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let code: number | null | undefined;
    service.once('exit', (value) => (code = value));
    await eventually(() => (code !== undefined) || undefined, 60_000, `the service to exit; output:\n${output}`);
    assert.equal(code, 1, output);
    assert.match(output, /ingest consumer crashed and will not restart/);
    assert.match(output, /supported protocols are incompatible/, 'the cause');
    assert.match(output, /"reason":"consumer-crashed"/);
  });
});
