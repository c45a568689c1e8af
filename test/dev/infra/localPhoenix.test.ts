import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { infraPaths, type InfraPaths } from '../../../dev/infra/infraPaths';
import { describeState, localInfraFromEnv } from '../../../dev/infra/localInfra';
import { LocalPhoenix } from '../../../dev/infra/localPhoenix';
import { isPortOpen } from '../../../dev/infra/portProbe';
import { eventually } from '../../support/eventually';
import { tearDown } from '../../support/teardown';

/** Two ports nobody listens on right now (the OS picks them), so the shared 6006/4317 stay untouched. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve) => {
      const server = net.createServer();
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/**
 * Data, logs and pid files of this test's own Phoenix go to a temporary folder; the virtualenv
 * is the project's (`.cache/phoenix/venv`, or under RESEARCH_RELAY_CACHE_DIR). So the ~60 s,
 * ~850 MB install happens at most once per checkout — usually already done by `npm test`'s own
 * `infra:up` step — and a first run of this test leaves it there for `npm run infra:up` to use.
 */
function privatePaths(directory: string): InfraPaths {
  return { ...infraPaths({ RESEARCH_RELAY_CACHE_DIR: directory }), phoenixVenv: infraPaths(process.env).phoenixVenv };
}

interface PhoenixSpan {
  readonly name: string;
  readonly context: { readonly trace_id: string; readonly span_id: string };
  readonly attributes?: Record<string, unknown>;
}

describe('the local Arize Phoenix (infra:up)', () => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-phoenix-'));
  const paths = privatePaths(directory);
  let phoenix: LocalPhoenix;

  before(async () => {
    const [port = 0, grpcPort = 0] = await freePorts(2);
    phoenix = new LocalPhoenix({ host: '127.0.0.1', port, grpcPort, paths });
  });

  // Stops it also when an assertion failed halfway (no-op after the test's own down); its folder goes whatever down threw.
  after(() =>
    tearDown(
      () => (phoenix as LocalPhoenix | undefined)?.down(),
      () => fs.rmSync(directory, { recursive: true, force: true }),
    ),
  );

  it('comes up on the given ports, shows the UI in its status, takes spans over OTLP/HTTP protobuf, and goes down again', { timeout: 300_000 }, async () => {
    assert.equal((await phoenix.state()).kind, 'stopped');
    const up = await phoenix.up();
    assert.equal(up.started, true);
    const state = await phoenix.state();
    assert.equal(state.kind, 'ours');
    const status = describeState('Phoenix', phoenix.address, state, phoenix.logFile, phoenix.uiUrl);
    assert.match(status, new RegExp(`^Phoenix: running on ${phoenix.address.replace(/\./g, '\\.')} \\(pid \\d+, log .*phoenix\\.log\\), UI http://${phoenix.address.replace(/\./g, '\\.')}$`));
    assert.ok(fs.existsSync(paths.phoenixData), 'its data lives in the given cache');

    const traceId = await exportOneSpan(phoenix.otlpHttpEndpoint);
    const span = await eventually(async () => {
      const response = await fetch(`${phoenix.uiUrl}/v1/projects/default/spans?trace_id=${traceId}`);
      const body = (await response.json()) as { data: PhoenixSpan[] };
      return body.data.find((candidate) => candidate.context.trace_id === traceId);
    }, 30_000, 'the span in Phoenix');
    assert.equal(span.name, 'chat stand-in-model');
    const trace = await fetch(phoenix.traceUrl(traceId));
    assert.equal(trace.status, 200, 'the trace link opens');

    assert.deepEqual(await phoenix.up(), { started: false, state }, 'a second up reuses the running server');
    assert.equal(await phoenix.down(), true);
    assert.equal((await phoenix.state()).kind, 'stopped');
    assert.equal(await isPortOpen('127.0.0.1', Number(phoenix.address.split(':')[1])), false);
    assert.equal(await phoenix.down(), false, 'a second down has nothing to stop');
    assert.deepEqual(phoenix.resetData(), [paths.phoenixData]);
  });

  it('takes its ports from PHOENIX_PORT and PHOENIX_GRPC_PORT, and INFRA_PHOENIX=false leaves it out', () => {
    const configured = localInfraFromEnv({ PHOENIX_PORT: '16106', PHOENIX_GRPC_PORT: '14417', RESEARCH_RELAY_CACHE_DIR: directory });
    assert.equal(configured.phoenix?.uiUrl, 'http://127.0.0.1:16106');
    assert.equal(configured.phoenix.otlpGrpcEndpoint, 'http://127.0.0.1:14417');
    assert.equal(configured.phoenix.otlpHttpEndpoint, 'http://127.0.0.1:16106/v1/traces');
    assert.equal(localInfraFromEnv({}).phoenix?.uiUrl, 'http://127.0.0.1:6006');
    assert.equal(localInfraFromEnv({ INFRA_PHOENIX: 'false' }).phoenix, undefined);
    assert.throws(() => localInfraFromEnv({ INFRA_PHOENIX: 'maybe' }), /INFRA_PHOENIX="maybe"/);
    assert.throws(() => localInfraFromEnv({ PHOENIX_PORT: '70000' }), /PHOENIX_PORT="70000" is not a port number/);
  });
});

/** One LLM span, as the worker would export it with OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf. */
async function exportOneSpan(url: string): Promise<string> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'research-relay-phoenix-test' }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url }))],
  });
  const span = provider.getTracer('localPhoenix.test').startSpan('chat stand-in-model', {
    attributes: { 'openinference.span.kind': 'LLM', 'llm.model_name': 'stand-in-model', 'llm.token_count.total': 3 },
  });
  span.end();
  await provider.forceFlush();
  await provider.shutdown();
  return span.spanContext().traceId;
}
