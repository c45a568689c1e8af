import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { ensureHelm, ensurePrometheus } from '../../dev/k8sTools';
import { alertUnitTestFile } from './alertUnitTests';
import { validateObject } from './kubernetesSchemas';
import { fullValuesFile, objectOf, renderChart, runHelm, templateArgs, chartDir, type RenderedObject } from './renderedChart';

interface Container {
  readonly name: string;
  readonly args?: string[];
  readonly env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  readonly livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readonly readinessProbe?: { httpGet?: { path: string; port: string | number } };
  readonly startupProbe?: { httpGet?: { path: string; port: string | number } };
  readonly resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readonly securityContext?: Record<string, unknown>;
  readonly ports?: { name: string; containerPort: number }[];
}

interface PodSpec {
  readonly containers: Container[];
  readonly securityContext?: Record<string, unknown>;
  readonly terminationGracePeriodSeconds?: number;
  readonly volumes?: { name: string; emptyDir?: unknown; secret?: { secretName: string } }[];
}

function podSpec(deployment: RenderedObject): PodSpec {
  return (deployment.spec as { template: { spec: PodSpec } }).template.spec;
}

function container(deployment: RenderedObject): Container {
  const [first] = podSpec(deployment).containers;
  assert.ok(first, `${deployment.metadata.name} has a container`);
  return first;
}

function envOf(deployment: RenderedObject, name: string): NonNullable<Container['env']>[number] | undefined {
  return container(deployment).env?.find((entry) => entry.name === name);
}

const roles = ['consumer', 'worker'] as const;

describe('the Helm chart deploy/helm/research-relay', () => {
  let helm: string;
  let promtool: string;
  let defaults: RenderedObject[];
  let full: RenderedObject[];
  let scratch: string | undefined;

  before(async () => {
    helm = (await ensureHelm()).binary;
    promtool = (await ensurePrometheus()).promtool;
    defaults = renderChart(helm);
    full = renderChart(helm, { valuesFiles: [fullValuesFile] });
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-test-'));
  });
  after(() => {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('passes helm lint --strict with the default values and with ci/full-values.yaml', () => {
    for (const values of [[], ['--values', fullValuesFile]]) {
      const result = runHelm(helm, ['lint', '--strict', chartDir, ...values]);
      assert.equal(result.status, 0, `helm lint ${values.join(' ')}: ${result.stdout}${result.stderr}`);
      assert.match(result.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  it('renders only kinds with a schema, each valid against the Kubernetes, KEDA and prometheus-operator schemas', async () => {
    assert.deepEqual(defaults.map((object) => object.kind).sort(), ['Deployment', 'Deployment', 'PodDisruptionBudget', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
    assert.deepEqual(full.map((object) => object.kind).sort(), ['Deployment', 'Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'PodDisruptionBudget', 'PrometheusRule', 'ScaledObject', 'ScaledObject', 'Service', 'ServiceAccount', 'ServiceMonitor']);
    for (const object of [...defaults, ...full]) await validateObject(object);
  });

  it('the validator refuses an unknown kind and a field of the wrong type', async () => {
    await assert.rejects(validateObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }), /v1\/Secret \(x\) has no schema/);
    const deployment = objectOf(defaults, 'Deployment', '-worker');
    const broken = structuredClone(deployment) as RenderedObject & { spec: { replicas: unknown } };
    broken.spec.replicas = 'two';
    await assert.rejects(validateObject(broken), /does not match its schema/);
  });

  it('renders no Secret, and every secret reaches the pods as a secretKeyRef or a mounted Secret, never as a value', () => {
    for (const objects of [defaults, full]) assert.ok(!objects.some((object) => object.kind === 'Secret'), 'no Secret rendered');
    const secretVariables = ['OPENAI_API_KEY', 'TEMPORAL_API_KEY', 'KAFKA_SASL_PASSWORD', 'TAVILY_API_KEY', 'PHOENIX_API_KEY', 'OTEL_EXPORTER_OTLP_HEADERS', 'SEARXNG_URL'];
    for (const role of roles) {
      const deployment = objectOf(full, 'Deployment', `-${role}`);
      for (const variable of secretVariables) {
        const entry = envOf(deployment, variable);
        assert.ok(entry?.valueFrom?.secretKeyRef, `${role}: ${variable} from a secretKeyRef`);
        assert.equal(entry.value, undefined);
      }
      assert.deepEqual(envOf(deployment, 'OPENAI_API_KEY')?.valueFrom?.secretKeyRef, { name: 'research-relay-openai', key: 'api-key' });
      assert.equal(envOf(deployment, 'KAFKA_TLS_CA_FILE')?.value, '/etc/research-relay/tls/kafka/ca.crt');
      assert.equal(envOf(deployment, 'PAYLOAD_ENCRYPTION_KEYS_FILE')?.value, '/etc/research-relay/payload-keys/keys');
      const secretVolumes = (podSpec(deployment).volumes ?? []).flatMap((volume) => (volume.secret ? [volume.secret.secretName] : []));
      assert.deepEqual(secretVolumes.sort(), ['research-relay-kafka-tls', 'research-relay-payload-keys']);
    }
    // Nothing in the manifests holds a value that looks like a key.
    const rendered = stringify(full);
    assert.doesNotMatch(rendered, /sk-[A-Za-z0-9]{8,}/);
  });

  it('refuses a secret given as plain config, and a secret reference without its key', () => {
    const plain = runHelm(helm, templateArgs({ set: ['config.OPENAI_API_KEY=sk-plain-text'] }));
    assert.notEqual(plain.status, 0);
    assert.match(plain.stderr, /OPENAI_API_KEY is a secret and is never rendered as plain text; name an existing Secret in secrets\.openaiApiKey/);
    assert.doesNotMatch(plain.stdout + plain.stderr, /sk-plain-text/, 'the refused value is not echoed');
    const halfRef = runHelm(helm, templateArgs({ set: ['secrets.openaiApiKey.name=openai'] }));
    assert.notEqual(halfRef.status, 0);
    assert.match(halfRef.stderr, /secrets\.openaiApiKey needs both name and key/);
  });

  it('runs each role as the Dockerfile does, with --role, probes on /healthz and /readyz of the metrics port, and resources', () => {
    for (const objects of [defaults, full]) {
      for (const role of roles) {
        const deployment = objectOf(objects, 'Deployment', `-${role}`);
        const main = container(deployment);
        assert.deepEqual(main.args, ['node', '--max-semi-space-size=4', 'dist/app/service/serviceMain.js', '--role', role]);
        assert.deepEqual(main.ports, [{ name: 'metrics', containerPort: 9464, protocol: 'TCP' }]);
        assert.equal(envOf(deployment, 'SERVICE_HTTP_PORT')?.value, '9464');
        assert.equal(main.livenessProbe?.httpGet?.path, '/healthz');
        assert.equal(main.startupProbe?.httpGet?.path, '/healthz');
        assert.equal(main.readinessProbe?.httpGet?.path, '/readyz');
        for (const probe of [main.livenessProbe, main.readinessProbe, main.startupProbe]) assert.equal(probe?.httpGet?.port, 'metrics');
        assert.ok(main.resources?.requests?.cpu && main.resources.requests.memory && main.resources.limits?.memory, `${role}: requests and a memory limit`);
      }
    }
    assert.equal(envOf(objectOf(full, 'Deployment', '-worker'), 'WORKER_ACTIVITY_SLOTS')?.value, '20', 'role config reaches its role');
    assert.equal(envOf(objectOf(full, 'Deployment', '-consumer'), 'WORKER_ACTIVITY_SLOTS'), undefined, 'and only its role');
  });

  it('runs as non-root on a read-only root filesystem, no privilege escalation, no capabilities, RuntimeDefault seccomp, /tmp an emptyDir', () => {
    for (const role of roles) {
      const deployment = objectOf(defaults, 'Deployment', `-${role}`);
      const pod = podSpec(deployment);
      assert.equal(pod.securityContext?.runAsNonRoot, true);
      assert.equal(pod.securityContext?.runAsUser, 1000, 'the image\'s node user, by number (runAsNonRoot cannot check a name)');
      assert.deepEqual(pod.securityContext?.seccompProfile, { type: 'RuntimeDefault' });
      assert.deepEqual(container(deployment).securityContext, {
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      assert.ok(pod.volumes?.some((volume) => volume.name === 'tmp' && volume.emptyDir));
    }
  });

  it('gives the worker a termination grace longer than WORKER_SHUTDOWN_GRACE_MS, derived from it', () => {
    const graceOf = (objects: RenderedObject[]): number | undefined => podSpec(objectOf(objects, 'Deployment', '-worker')).terminationGracePeriodSeconds;
    assert.equal(graceOf(defaults), 150, '130 s + 20 s, as compose\'s stop_grace_period');
    assert.equal(graceOf(full), 201, '180.5 s rounded up + 20 s');
    const custom = renderChart(helm, { set: ['config.WORKER_SHUTDOWN_GRACE_MS=600000', 'worker.terminationGraceMarginSeconds=5'] });
    assert.equal(graceOf(custom), 605);
    const roleOnly = renderChart(helm, { set: ['roleConfig.worker.WORKER_SHUTDOWN_GRACE_MS=300000'] });
    assert.equal(graceOf(roleOnly), 320, 'the worker\'s own setting counts');
  });

  it('with KEDA on, renders no replicas and scales the consumer on Kafka lag up to the partitions, the worker on the task queue', () => {
    for (const role of roles) {
      assert.equal((objectOf(defaults, 'Deployment', `-${role}`).spec as { replicas?: number }).replicas, 2);
      assert.ok(!('replicas' in (objectOf(full, 'Deployment', `-${role}`).spec ?? {})), `${role}: KEDA owns the replica count`);
    }
    const consumer = objectOf(full, 'ScaledObject', '-consumer').spec as { scaleTargetRef: { name: string }; maxReplicaCount: number; triggers: { type: string; metadata: Record<string, string>; authenticationRef?: { name: string } }[] };
    assert.equal(consumer.scaleTargetRef.name, 'rr-research-relay-consumer');
    assert.equal(consumer.maxReplicaCount, 12);
    assert.equal(consumer.triggers[0]?.type, 'kafka');
    assert.deepEqual(consumer.triggers[0]?.metadata, {
      bootstrapServers: 'kafka-0.kafka:9093,kafka-1.kafka:9093', consumerGroup: 'research-relay-ingest', topic: 'research.requested',
      lagThreshold: '100', activationLagThreshold: '0', offsetResetPolicy: 'earliest', allowIdleConsumers: 'false', limitToPartitionsWithLag: 'true',
    });
    assert.deepEqual(consumer.triggers[0]?.authenticationRef, { name: 'research-relay-kafka-auth' });
    const worker = objectOf(full, 'ScaledObject', '-worker').spec as typeof consumer;
    assert.equal(worker.scaleTargetRef.name, 'rr-research-relay-worker');
    assert.equal(worker.triggers[0]?.type, 'temporal');
    assert.deepEqual(worker.triggers[0]?.metadata, { endpoint: 'research.abc12.tmprl.cloud:7233', namespace: 'research.abc12', taskQueue: 'research', targetQueueSize: '20', activationTargetQueueSize: '0' });
  });

  it('fails helm template when KEDA\'s consumer maximum is larger than the requests topic\'s partitions', () => {
    const tooMany = runHelm(helm, templateArgs({ set: ['keda.enabled=true', 'keda.consumer.maxReplicaCount=4'] }));
    assert.notEqual(tooMany.status, 0);
    assert.match(tooMany.stderr, /keda\.consumer\.maxReplicaCount \(4\) is larger than the requests topic's 3 partitions/);
    const fromConfig = runHelm(helm, templateArgs({ set: ['keda.enabled=true', 'keda.consumer.maxReplicaCount=6', 'config.TOPIC_PARTITIONS=6'] }));
    assert.equal(fromConfig.status, 0, `TOPIC_PARTITIONS=6 allows 6: ${fromConfig.stderr}`);
    const tooManyFull = runHelm(helm, templateArgs({ valuesFiles: [fullValuesFile], set: ['keda.consumer.maxReplicaCount=13'] }));
    assert.match(tooManyFull.stderr, /\(13\) is larger than the requests topic's 12 partitions/);
  });

  it('exposes the metrics port on a Service a ServiceMonitor selects, and admits only the monitoring namespace to it', () => {
    const service = objectOf(full, 'Service', '-metrics');
    const monitor = objectOf(full, 'ServiceMonitor');
    const selected = (monitor.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
    for (const [key, value] of Object.entries(selected)) assert.equal(service.metadata.labels?.[key], value, `the Service carries ${key}`);
    assert.deepEqual((service.spec as { ports: unknown[] }).ports, [{ name: 'metrics', port: 9464, targetPort: 'metrics', protocol: 'TCP' }]);
    const policy = objectOf(full, 'NetworkPolicy').spec as { ingress: { ports: { port: number }[]; from: unknown[] }[]; egress: { ports: { port: number; protocol: string }[] }[]; policyTypes: string[] };
    assert.deepEqual(policy.policyTypes, ['Ingress', 'Egress']);
    assert.equal(policy.ingress.length, 1);
    assert.deepEqual(policy.ingress[0]?.ports.map((port) => port.port), [9464]);
    assert.equal(policy.ingress[0]?.from.length, 1);
    const egressPorts = policy.egress.flatMap((rule) => rule.ports.map((port) => `${port.protocol}/${port.port}`));
    assert.deepEqual(egressPorts.sort(), ['TCP/4317', 'TCP/443', 'TCP/53', 'TCP/7233', 'TCP/9093', 'UDP/53']);
  });

  it('renders alerts that promtool accepts, and that fire and stay silent on the series promtool\'s unit tests feed them', () => {
    assert.ok(scratch);
    const rule = objectOf(renderChart(helm, { set: ['prometheusRule.enabled=true'] }), 'PrometheusRule');
    const groups = (rule.spec as { groups: { rules: { alert: string; annotations: Record<string, string> }[] }[] }).groups;
    const alerts = groups.flatMap((group) => group.rules);
    assert.deepEqual(alerts.map((alert) => alert.alert), ['ResearchRelayConsumerLagGrowing', 'ResearchRelayDeadLettersRising', 'ResearchRelayRunFailureRatioHigh', 'ResearchRelayCostBurnRateHigh', 'ResearchRelayPodNotReady', 'ResearchRelayTargetDown']);
    for (const alert of alerts as unknown as { alert: string; for?: string; labels?: Record<string, string>; annotations: Record<string, string> }[]) {
      assert.ok(alert.for, `${alert.alert} has a for:`);
      assert.match(alert.labels?.severity ?? '', /^(critical|warning)$/);
      for (const annotation of ['summary', 'description', 'runbook']) assert.ok(alert.annotations[annotation], `${alert.alert} has a ${annotation}`);
    }
    const ruleFile = path.join(scratch, 'research-relay.rules.yaml');
    fs.writeFileSync(ruleFile, stringify({ groups }));
    const check = spawnSync(promtool, ['check', 'rules', ruleFile], { encoding: 'utf8' });
    assert.equal(check.status, 0, `promtool check rules: ${check.stdout}${check.stderr}`);
    assert.match(check.stdout, /SUCCESS: 6 rules found/);
    const runbooks = Object.fromEntries(alerts.map((alert) => [alert.alert, alert.annotations.runbook ?? '']));
    const testFile = path.join(scratch, 'research-relay.rules.test.yaml');
    fs.writeFileSync(testFile, alertUnitTestFile(path.basename(ruleFile), runbooks));
    const unit = spawnSync(promtool, ['test', 'rules', testFile], { encoding: 'utf8', cwd: scratch });
    assert.equal(unit.status, 0, `promtool test rules:\n${unit.stdout}${unit.stderr}`);
    assert.match(unit.stdout, /SUCCESS/);
  });

  it('the lag alert reads another metric when told to (a kafka-exporter\'s kafka_consumergroup_lag)', () => {
    const rule = objectOf(renderChart(helm, { set: ['prometheusRule.enabled=true', 'prometheusRule.consumerLag.metric=kafka_consumergroup_lag', 'prometheusRule.consumerLag.selector=consumergroup="research-relay-ingest"', 'prometheusRule.consumerLag.groupBy={consumergroup,topic}'] }), 'PrometheusRule');
    const lag = (rule.spec as { groups: { rules: { alert: string; expr: string }[] }[] }).groups[0]?.rules.find((entry) => entry.alert === 'ResearchRelayConsumerLagGrowing');
    assert.match(lag?.expr ?? '', /sum by \(consumergroup, topic\) \(kafka_consumergroup_lag\{consumergroup="research-relay-ingest"\}\) > 1000/);
    assert.doesNotMatch(lag?.expr ?? '', /research_relay_consumer_lag/);
  });
});
