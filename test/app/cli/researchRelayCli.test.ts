import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { callAllowances } from '../../../activities/callAllowances';
import { researchCompletedSchema } from '../../../src/contracts/researchCompleted';
import { researchProgressSchema } from '../../../src/contracts/researchProgress';
import { PriceTable } from '../../../src/llm/priceTable';
import { callEstimate } from '../../../workflows/runBudget';
import { runCli, startCli } from '../../support/cliRunner';
import { PipelineHarness } from '../../support/pipelineHarness';
import { eventually } from '../../support/testInfrastructure';

describe('the research-relay CLI', () => {
  let harness: PipelineHarness;
  before(async () => {
    harness = await PipelineHarness.start();
  });
  after(async () => {
    await (harness as PipelineHarness | undefined)?.close();
  });
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { ...harness.env, ...env });

  it('answers --help for every command and rejects a wrong flag with exit 2, naming it', async () => {
    for (const command of ['request', 'cancel', 'watch', 'replay', 'dlq', 'status']) {
      const help = await cli([command, '--help']);
      assert.equal(help.code, 0, `${command} --help`);
      assert.match(help.stdout, new RegExp(`Usage: research-relay ${command}`));
      const wrong = await cli([command, '--no-such-flag']);
      assert.equal(wrong.code, 2, `${command} with a wrong flag`);
      assert.match(wrong.stderr, /Unknown option '--no-such-flag'/);
    }
    const top = await cli(['--help']);
    assert.match(top.stdout, /cancel <requestId>/, 'the command list names cancel');
    const noId = await cli(['cancel']);
    assert.equal(noId.code, 2);
    assert.match(noId.stderr, /give exactly one request id/);
    const badId = await cli(['cancel', 'has space']);
    assert.equal(badId.code, 2, 'an id the contract refuses is a usage error, before anything is sent');
    assert.match(badId.stderr, /the request id: requestId must be 1–200 characters/);
    const longReason = await cli(['cancel', 'some-id', '--reason', 'x'.repeat(1001)]);
    assert.equal(longReason.code, 2);
    assert.match(longReason.stderr, /--reason: .*1000/);
    const manySearches = await cli(['request', 'a question', '--max-searches', '25']);
    assert.equal(manySearches.code, 2, 'a search cap the contract refuses is a usage error');
    assert.match(manySearches.stderr, /--max-searches must be from 1 to 20/);
    const maxOpen = await cli(['replay', '--from', 'beginning', '--max-open', '0']);
    assert.equal(maxOpen.code, 2, '--max-open takes a positive whole number or unlimited');
    assert.match(maxOpen.stderr, /--max-open/);
    const unknown = await cli(['research']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "research"/);
  });

  it('says which broker or server it cannot reach, and which variable sets it', async () => {
    for (const args of [['request', 'a question'], ['cancel', 'some-id', '--reason', 'no broker']]) {
      const kafka = await cli(args, { KAFKA_BROKERS: '127.0.0.1:1' });
      assert.equal(kafka.code, 1, args[0]);
      assert.match(kafka.stderr, /cannot reach Kafka at 127\.0\.0\.1:1 \(KAFKA_BROKERS\)/);
    }
    const temporal = await cli(['status', 'x'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(temporal.code, 1);
    assert.match(temporal.stderr, /cannot reach Temporal at 127\.0\.0\.1:1 \(TEMPORAL_ADDRESS\)/);
    const config = await cli(['status', 'x'], { INGEST_CONCURRENCY: 'many' });
    assert.equal(config.code, 1);
    assert.match(config.stderr, /INGEST_CONCURRENCY="many"/);
  });

  it('request --wait produces a traced request and prints its result; status shows the finished run', async () => {
    const result = await cli(['request', 'How do consumer groups rebalance?', '--id', 'cli-1', '--metadata', 'team=search', '--max-searches', '2', '--wait', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const output = JSON.parse(result.stdout) as { requestId: string; traceId: string; result: { kind: string; event: unknown } };
    assert.equal(output.requestId, 'cli-1');
    assert.equal(output.result.kind, 'completed');
    const event = researchCompletedSchema.parse(output.result.event);
    assert.equal(event.traceId, output.traceId, 'the result continues the request’s trace');
    assert.deepEqual(event.metadata, { team: 'search' });
    assert.equal(event.searches.length, 2);
    assert.doesNotMatch(result.stderr, /progress \[/, 'no progress bar around JSON output');

    const status = await cli(['status', 'cli-1', '--json']);
    assert.equal(status.code, 0, status.stderr);
    const state = JSON.parse(status.stdout) as { state: string; traceId: string; temporalUi: string; workflowId: string; priority: unknown };
    assert.equal(state.state, 'COMPLETED');
    assert.deepEqual(state.priority, { priorityKey: 2, fairnessKey: 'search' }, 'a live run, its team the fairness key');
    assert.equal(state.traceId, output.traceId);
    assert.equal(state.workflowId, harness.workflowId('cli-1'));
    assert.match(state.temporalUi, new RegExp(`/namespaces/default/workflows/${state.workflowId}/`));
    const human = await cli(['status', 'cli-1']);
    assert.match(human.stdout, /cli-1: COMPLETED/);
    assert.match(human.stdout, /priority: 2 \(live\), fairness key "search"/);
    const missing = await cli(['status', 'never-sent']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no run for request never-sent/);
  });

  it('request --wait prints the result of the run that took the request, not an earlier run’s result of the same request id', async () => {
    // An earlier run of `cli-again` (say one Temporal no longer remembers) left its result on the topic.
    await harness.request('stale-source', 'What did the earlier run say?', { maxSearches: 1 });
    const [earlier] = await harness.recorder.waitFor(harness.config.topics.completed, 1, (record) => record.key === 'stale-source');
    const stale = { ...(JSON.parse(earlier!.value.toString()) as Record<string, unknown>), requestId: 'cli-again', workflowId: harness.workflowId('cli-again'), runId: 'an-earlier-run', eventId: 'stale-event' };
    await harness.producer.send({ topic: harness.config.topics.completed, messages: [{ key: 'cli-again', value: JSON.stringify(stale), headers: earlier!.headers }] });

    const first = await cli(['request', 'Which run answers?', '--id', 'cli-again', '--max-searches', '1', '--wait', '--json']);
    assert.equal(first.code, 0, first.stderr);
    const [runId] = await harness.runsOf(harness.workflowId('cli-again'));
    const output = JSON.parse(first.stdout) as { run?: { kind: string }; result: { event: { runId: string; query: string } } };
    assert.deepEqual([output.result.event.runId, output.result.event.query], [runId, 'Which run answers?'], 'the new run’s result, not the earlier one');
    assert.equal(output.run?.kind, 'started');

    // Sent again, the id is a duplicate: the run that took it is the existing one, and its result is the answer.
    const again = await cli(['request', 'Which run answers?', '--id', 'cli-again', '--wait', '--json']);
    assert.equal(again.code, 0, again.stderr);
    const second = JSON.parse(again.stdout) as { run?: { kind: string }; result: { event: { runId: string } } };
    assert.deepEqual([second.result.event.runId, second.run?.kind], [runId, 'existing']);
  });

  it('request --wait shows the run’s progress on stderr — a line per step off a terminal: planned, each search i of N, writing, and done from the result — then the result', async () => {
    // Model answers that take 0.8 s: the command reads the run's steps as they happen, not all
    // at once after the fact (caught up from the beginning, a result may be read before the steps).
    harness.standIn.setFaults({ rules: [{ sequence: [{ kind: 'delay', ms: 800 }], repeat: true }] });
    const result = await cli(['request', 'How does a progress bar know how far a run is?', '--id', 'cli-progress', '--max-searches', '3', '--wait']).finally(() => harness.standIn.setFaults({ rules: [] }));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^research\.completed {2}cli-progress$/m);
    const bars = result.stderr.split('\n').filter((line) => line.startsWith('progress ['));
    const steps = bars.map((line) => line.replace(/^progress \[[#-]+\] (\d+\/\d+ )?/, '').split(' · ')[0]);
    assert.deepEqual(steps, ['planning…', 'planned 3 searches', 'searched 1 of 3', 'searched 2 of 3', 'searched 3 of 3', 'writing the report', 'done'], result.stderr);
    assert.deepEqual(bars.slice(1).map((line) => /\] (\d+)\/5 /.exec(line)?.[1]), ['1', '2', '3', '4', '4', '5'], 'the bar fills over plan, three searches and the write');
    const event = /usage: {4}(\d+) in \+ (\d+) out tokens/.exec(result.stdout);
    assert.ok(bars.at(-1)?.includes(`${(Number(event?.[1]) + Number(event?.[2])).toLocaleString('en-US')} tokens`), 'the last step shows what the run spent');
  });

  it('request --max-tokens sets the run’s budget: one too small for the searches ends in research.failed, BudgetExceededError, with what was spent (exit 1)', async () => {
    const query = 'What can a tiny budget buy?';
    const allowances = callAllowances(harness.config.llm.models, PriceTable.fromEnv(), { name: 'local-corpus' });
    const maxTokens = callEstimate(allowances, 'planner', query.length).tokens + 100;
    const result = await cli(['request', query, '--id', 'cli-budget', '--max-searches', '2', '--max-tokens', String(maxTokens), '--max-cost-usd', '1', '--wait']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^research\.failed {2}cli-budget$/m);
    assert.match(result.stdout, /^ {2}stage: {4}search$/m);
    assert.match(result.stdout, /^ {2}error: {4}BudgetExceededError: the run's budget/m);
    assert.match(result.stdout, /^ {2}usage: {4}[1-9]\d* in \+ [1-9]\d* out tokens/m, 'the plan’s usage');
    assert.match(result.stdout, new RegExp(`^ {2}budget: {3}at most \\$1 and ${maxTokens} tokens$`, 'm'));
    assert.match(result.stderr, /^progress \[#+\] (\d+)\/\1 failed · [\d,]+ of [\d,]+ tokens · \$0\.\d{4} of \$1$/m, 'the bar ends as failed, with the budget');
    const wrong = await cli(['request', query, '--max-cost-usd', 'lots']);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--max-cost-usd must be a positive number of dollars \(got "lots"\)/);
    // Beyond what a request may carry: named with its flag and limit, before anything is sent — not a schema dump.
    const tooMuch = await cli(['request', query, '--max-cost-usd', '2000000']);
    assert.equal(tooMuch.code, 2, tooMuch.stderr);
    assert.match(tooMuch.stderr, /--max-cost-usd must be at most 1000000 \(got "2000000"\)/);
    const tooMany = await cli(['request', query, '--max-tokens', '2000000000000']);
    assert.equal(tooMany.code, 2, tooMany.stderr);
    assert.match(tooMany.stderr, /--max-tokens must be at most 1000000000000 \(got "2000000000000"\)/);
  });

  it('watch --progress streams each step of a run beside its result: JSON lines of kind progress, or a line per step for people', async () => {
    const watcher = startCli(['watch', '--json', '--progress', '--request-id', 'watched-progress', '--from-beginning'], harness.env);
    const people = startCli(['watch', '--progress', '--request-id', 'watched-progress', '--from-beginning'], harness.env);
    let output = '';
    let text = '';
    watcher.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    people.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    try {
      // Both watchers are reading live once each has shown a probe (another run of the same request
      // id): from then on a run's steps reach them before its result. (Caught up from the beginning,
      // a finished run's result may come first, and a display for people shows no bar for it.)
      const probe = { eventId: 'probe', requestId: 'watched-progress', workflowId: 'probe', runId: 'probe', traceId: '0af7651916cd43dd8448eb211c80319c', sequence: 1, step: 'planned', searches: { planned: 9, done: 0, succeeded: 0, failed: 0 }, usage: { inputTokens: 0, outputTokens: 0, estimatedCostUsd: 0 }, at: new Date().toISOString() };
      await harness.producer.send({ topic: harness.config.topics.progress, messages: [{ key: 'watched-progress', value: JSON.stringify(probe) }] });
      await eventually(() => (output.includes('"workflowId":"probe"') && text.includes('planned 9 searches')) || undefined, 60_000, `the probe from both watchers: ${output} ${text}`);
      await harness.request('watched-progress', 'Who watches the progress?', { maxSearches: 2 });
      const lines = await eventually(() => {
        const parsed = output.split('\n').filter((line) => line.trim().length > 0).map((line) => JSON.parse(line) as { kind: string; event: { workflowId: string } });
        const ofTheRun = parsed.filter((line) => line.event.workflowId !== 'probe');
        return ofTheRun.filter((line) => line.kind === 'progress').length >= 5 && ofTheRun.some((line) => line.kind === 'completed') ? ofTheRun : undefined;
      }, 60_000, `progress and the result from watch: ${output}`);
      const progress = lines.filter((line) => line.kind === 'progress').map((line) => researchProgressSchema.parse(line.event));
      assert.deepEqual(progress.map((event) => [event.sequence, event.step]), [[1, 'planned'], [2, 'searched'], [3, 'searched'], [4, 'writing'], [5, 'published']]);
      await eventually(() => /^research\.completed {2}watched-progress$/m.test(text) || undefined, 30_000, `the result for people: ${text}`);
      assert.match(text, /^watched-progress \[#+-+\] 1\/4 planned 2 searches · [\d,]+ tokens · \$\d\.\d{4}$/m, 'a line per step for people');
      assert.ok(text.indexOf('planned 2 searches') < text.indexOf('research.completed  watched-progress'), 'the step before the result');
    } finally {
      for (const child of [watcher, people]) {
        child.kill('SIGINT');
        await new Promise((resolve) => child.once('close', resolve));
      }
    }
  });

  it('watch streams results as JSON lines as they arrive', async () => {
    // --from-beginning: the watcher cannot miss the result however long it takes to join.
    const watcher = startCli(['watch', '--json', '--request-id', 'watched', '--from-beginning'], harness.env);
    let output = '';
    watcher.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await harness.request('watched', 'Is anybody watching?', { maxSearches: 1 });
      const line = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line from watch: ${output}`)), 60_000);
        const check = (): void => {
          const first = output.split('\n').find((entry) => entry.trim().length > 0);
          if (first) {
            clearTimeout(timer);
            resolve(first);
          } else setTimeout(check, 100);
        };
        check();
      });
      const parsed = JSON.parse(line) as { kind: string; event: { requestId: string } };
      assert.equal(parsed.kind, 'completed');
      assert.equal(parsed.event.requestId, 'watched');
    } finally {
      watcher.kill('SIGINT');
      await new Promise((resolve) => watcher.once('close', resolve));
    }
  });

  it('dlq list shows a dead letter with its reason and bytes, and redrive after a fix completes it', async () => {
    // Valid, but over the harness's 4 KiB limit: five long metadata values.
    const metadata = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`context${i}`, 'x'.repeat(1000)]));
    const oversize = JSON.stringify({ requestId: 'too-big', query: 'What does a long context cost?', maxSearches: 1, metadata });
    await harness.produceRaw('too-big', oversize, { origin: 'cli-test' });
    await harness.recorder.waitFor(harness.config.topics.deadLetter, 1, (r) => r.key === 'too-big');
    const list = await cli(['dlq', 'list', '--json', '--where', 'reason=too-large']);
    assert.equal(list.code, 0, list.stderr);
    const letters = list.stdout.trim().split('\n').map((line) => JSON.parse(line) as { key: string; reason: string; value: string; headers: Record<string, string> });
    const letter = letters.find((entry) => entry.key === 'too-big');
    assert.equal(letter?.reason, 'too-large');
    assert.equal(letter?.value, oversize, 'the original bytes');
    assert.equal(letter?.headers.origin, 'cli-test');

    // Before the fix the letter still fails the intake path: reported, left where it is, nothing written.
    const dlqBefore = await harness.topicEnd(harness.config.topics.deadLetter);
    const early = await cli(['dlq', 'redrive', '--where', 'key=too-big']);
    assert.equal(early.code, 0, early.stderr);
    assert.match(early.stdout, /still invalid \(too-large\)/);
    assert.match(early.stdout, /0 record\(s\) redriven \(0 started\), 1 still invalid/);
    // The fix: the operator's configuration accepts larger requests.
    const fixed = { INGEST_MAX_MESSAGE_BYTES: '65536' };
    const dry = await cli(['dlq', 'redrive', '--where', 'key=too-big', '--dry-run', '--json'], fixed);
    assert.equal((JSON.parse(dry.stdout) as { started: unknown[] }).started.length, 1, 'a dry run shows what it would start');
    const redrive = await cli(['dlq', 'redrive', '--where', 'key=too-big'], fixed);
    assert.equal(redrive.code, 0, redrive.stderr);
    assert.match(redrive.stdout, /1 record\(s\) redriven \(1 started\)/);
    const [completed] = await harness.recorder.waitFor(harness.config.topics.completed, 1, (r) => r.key === 'too-big');
    assert.ok(completed);
    // Closed: a run closes once its last progress step is out too, a moment after its result.
    await harness.settledRunIds((id) => id === harness.workflowId('too-big'), 1);
    const again = await cli(['dlq', 'redrive', '--where', 'key=too-big'], fixed);
    assert.match(again.stdout, /already has a run/, 'redriving twice starts nothing new');
    assert.equal((await harness.runsOf(harness.workflowId('too-big'))).length, 1, 'one run');
    assert.equal(await harness.topicEnd(harness.config.topics.deadLetter), dlqBefore, 'no dead letter was written again (the topic’s end offsets did not move)');
  });

  it('dlq list --limit N shows the N newest dead letters and how many there are', async () => {
    for (const key of ['bad-a', 'bad-b']) {
      await harness.produceRaw(key, `{ ${key} is not json`, { ce_type: 'research.requested.v1' });
      await harness.recorder.waitFor(harness.config.topics.deadLetter, 1, (record) => record.key === key);
    }
    const newest = await cli(['dlq', 'list', '--json', '--limit', '1', '--where', 'reason=not-json']);
    assert.equal(newest.code, 0, newest.stderr);
    assert.deepEqual(newest.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { key: string }).key), ['bad-b']);
    const people = await cli(['dlq', 'list', '--limit', '1', '--where', 'reason=not-json']);
    assert.match(people.stdout, /^1 of 2 dead letters matching the filter/m);
  });
});
