import type { RenderedObject } from './renderedChart';

interface ValidatingModel {
  validate(): void;
}
type ModelClass = new (data: unknown) => ValidatingModel;

/**
 * Where each kind the chart may render has its schema: kubernetes-models for the built-in API,
 * @kubernetes-models/keda and /prometheus-operator for the CRDs. The packages are ES modules
 * whose exports have only the `import` condition, hence dynamic imports.
 */
const modelModules: Readonly<Record<string, () => Promise<Record<string, unknown>>>> = {
  'apps/v1/Deployment': () => import('kubernetes-models/apps/v1/Deployment'),
  'v1/Service': () => import('kubernetes-models/v1/Service'),
  'v1/ServiceAccount': () => import('kubernetes-models/v1/ServiceAccount'),
  'policy/v1/PodDisruptionBudget': () => import('kubernetes-models/policy/v1/PodDisruptionBudget'),
  'networking.k8s.io/v1/NetworkPolicy': () => import('kubernetes-models/networking.k8s.io/v1/NetworkPolicy'),
  'keda.sh/v1alpha1/ScaledObject': () => import('@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject'),
  'monitoring.coreos.com/v1/ServiceMonitor': () => import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor'),
  'monitoring.coreos.com/v1/PrometheusRule': () => import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule'),
};

/** Kinds the validator knows: anything else the chart renders fails its test. */
export const knownKinds: readonly string[] = Object.keys(modelModules);

/**
 * Validates one rendered object against its kind's schema (throws the model's error, naming the
 * field); an apiVersion/kind without a schema here throws too.
 */
export async function validateObject(object: RenderedObject): Promise<void> {
  const key = `${object.apiVersion}/${object.kind}`;
  const load = modelModules[key];
  if (load === undefined) throw new Error(`${key} (${object.metadata.name}) has no schema in the validator: add it to test/deploy/kubernetesSchemas.ts, or do not render it`);
  const module = await load();
  const Model = module[object.kind] as ModelClass | undefined;
  if (Model === undefined) throw new Error(`the model module of ${key} exports no ${object.kind}`);
  try {
    new Model(object).validate();
  } catch (error) {
    throw new Error(`${key} ${object.metadata.name} does not match its schema: ${(error as Error).message}`, { cause: error });
  }
}
