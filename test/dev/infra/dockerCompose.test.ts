import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { relayEnvironmentVariables } from '../../../src/config/relayConfig';
import { defaultKafkaVersion } from '../../../dev/infra/localKafka';
import { phoenixPackage, phoenixQuietSettings } from '../../../dev/infra/localPhoenix';
import { fairnessFlags, temporalBinPackage } from '../../../dev/infra/localTemporal';

// No Docker engine here: check what can be checked without one — that the compose file
// parses and keeps the ports, versions and variable names of the local infra commands.
const root = path.resolve(__dirname, '../../..');
const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, { image?: string; command?: string[]; ports?: string[]; environment?: Record<string, string>; build?: string; healthcheck?: { test?: string[] } }>;
};

describe('docker-compose.yml', () => {
  it('runs the same Kafka, Temporal and Phoenix versions as npm run infra:up', () => {
    assert.equal(compose.services.kafka?.image, `apache/kafka:${defaultKafkaVersion}`);
    assert.equal(compose.services.temporal?.image, `temporalio/temporal:${temporalBinPackage.split('==')[1]}`);
    assert.equal(compose.services.phoenix?.image, `arizephoenix/phoenix:version-${phoenixPackage.split('==')[1]}`);
  });

  it('starts Temporal with the priority and fairness settings of npm run infra:up', () => {
    const command = compose.services.temporal?.command ?? [];
    const settings = (args: readonly string[]): string[] => args.flatMap((arg, index) => (args[index - 1] === '--dynamic-config-value' ? [arg] : []));
    assert.deepEqual(settings(command).sort(), settings(fairnessFlags()).sort());
    assert.ok(settings(fairnessFlags()).includes('matching.enableFairness=true'));
  });

  it('runs Phoenix with the local settings: no usage telemetry, nothing loaded from the internet, its data in a volume', () => {
    const environment = compose.services.phoenix?.environment ?? {};
    for (const [name, value] of Object.entries(phoenixQuietSettings)) assert.equal(environment[name], value, name);
    assert.equal(environment.PHOENIX_WORKING_DIR, '/mnt/data');
    assert.equal(compose.services['research-relay']?.environment?.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://phoenix:4317', 'the relay’s spans go to Phoenix');
  });

  it('publishes the local ports on 127.0.0.1 only: Kafka 9092, Temporal 7233 and UI 8233, Phoenix 6006 and OTLP gRPC 4317', () => {
    assert.ok(compose.services.kafka?.ports?.includes('127.0.0.1:9092:9092'));
    assert.ok(compose.services.temporal?.ports?.includes('127.0.0.1:7233:7233'));
    assert.ok(compose.services.temporal?.ports?.includes('127.0.0.1:8233:8233'));
    assert.ok(compose.services.phoenix?.ports?.some((port) => port.startsWith('127.0.0.1:6006:6006')));
    assert.ok(compose.services.phoenix?.ports?.some((port) => port.startsWith('127.0.0.1:4317:4317')));
    const published = Object.values(compose.services).flatMap((service) => service?.ports ?? []);
    assert.deepEqual(published.filter((port) => !port.startsWith('127.0.0.1:')), [], 'no port on all interfaces');
  });

  it('publishes the service\'s HTTP port on 127.0.0.1 and calls it healthy when /readyz answers', () => {
    const relay = compose.services['research-relay'];
    assert.ok(relay);
    assert.ok(relay.ports?.includes('127.0.0.1:9464:9464'));
    assert.equal(relay.environment?.SERVICE_HTTP_PORT, '9464');
    assert.match(JSON.stringify(relay.healthcheck?.test), /http:\/\/127\.0\.0\.1:9464\/readyz/);
  });

  it('configures the service only with variables the service reads', () => {
    const names = Object.keys(compose.services['research-relay']?.environment ?? {});
    assert.ok(names.length > 0);
    for (const name of names) {
      assert.ok(relayEnvironmentVariables.includes(name) || name.startsWith('OTEL_'), `${name} is a variable research-relay reads`);
    }
  });

  it('builds the image from compiled JavaScript: every production folder compiled, run by plain node as a non-root user', () => {
    const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    const [build, runtime] = dockerfile.split(/^FROM /m).slice(1) as [string, string];
    for (const folder of ['app', 'src', 'consumers', 'operator', 'workflows', 'activities', 'dev/standIn']) assert.match(build, new RegExp(`^COPY ${folder} `, 'm'), `the build stage compiles ${folder}`);
    assert.match(build, /^RUN npm run build$/m);
    assert.doesNotMatch(dockerfile, /COPY dev\/infra|COPY dev\/bench|COPY test/, 'no development tooling in the image');
    assert.match(runtime, /^COPY --from=build \/app\/dist \.\/dist$/m, 'the runtime stage takes dist/ only');
    assert.match(runtime, /npm ci --omit=dev/);
    assert.match(runtime, /^USER node$/m);
    assert.match(runtime, /^CMD \["node", "--max-semi-space-size=4", "dist\/app\/service\/serviceMain\.js"\]$/m, 'no TypeScript loader at run time');
    assert.equal(compose.services['research-relay']?.build, '.');
  });
});
