// Kubernetes tooling for the chart's tests: Helm from the Go module proxy, Prometheus and
// promtool from Debian's package, both cached in the project cache. Development tooling only.
export { ensureHelm, helmMarker, type ToolInstall } from './helmInstall';
export { helmModule, helmVersion, k8sToolPaths, prometheusDebianPackage, type K8sToolPaths } from './k8sToolPaths';
export { ensurePrometheus, type PrometheusInstall } from './prometheusInstall';
export { PrometheusServer, PrometheusStartError, type PrometheusOptions, type PrometheusRuleState, type PrometheusVectorSample } from './prometheusProcess';
export { MissingToolError } from './toolCommand';
export { runToolStep, ToolStepError } from '../infra/toolStep';
