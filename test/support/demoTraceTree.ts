/**
 * Runs the main job (`npm run demo`) with its spans going to a real OTLP receiver, then prints
 * the run's trace as a tree of span names with durations:
 *   npx tsx test/support/demoTraceTree.ts
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { OtlpTraceReceiver, type ReceivedSpan } from './otlpTraceReceiver';

async function main(): Promise<void> {
  const receiver = await OtlpTraceReceiver.start();
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'demo'], {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcEndpoint, OTEL_SERVICE_NAME: 'research-relay' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      process.stdout.write(chunk);
    });
    child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`demo exited ${code}`))));
  });
  const traceId = /trace id:\s+([0-9a-f]{32})/.exec(output)?.[1];
  if (!traceId) throw new Error('the demo printed no trace id');
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const spans = receiver.trace(traceId);
  console.log(`\ntrace ${traceId}: ${spans.length} spans\n`);
  const children = new Map<string, ReceivedSpan[]>();
  const ids = new Set(spans.map((span) => span.spanId));
  for (const span of spans) {
    const parent = ids.has(span.parentSpanId) ? span.parentSpanId : '';
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const print = (span: ReceivedSpan, prefix: string, last: boolean): void => {
    const ms = Number(span.endNs - span.startNs) / 1e6;
    const input = span.attributes['gen_ai.usage.input_tokens'];
    const output = span.attributes['gen_ai.usage.output_tokens'];
    const tokens = typeof input === 'number' && typeof output === 'number' ? `  [${input} in / ${output} out tokens]` : '';
    console.log(`${prefix}${last ? '└─ ' : '├─ '}${span.name}  ${ms.toFixed(1)} ms${tokens}`);
    const kids = (children.get(span.spanId) ?? []).sort((a, b) => Number(a.startNs - b.startNs));
    kids.forEach((kid, index) => print(kid, `${prefix}${last ? '   ' : '│  '}`, index === kids.length - 1));
  };
  const roots = (children.get('') ?? []).sort((a, b) => Number(a.startNs - b.startNs));
  roots.forEach((root, index) => print(root, '', index === roots.length - 1));
  await receiver.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
