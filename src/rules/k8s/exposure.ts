import type { K8sRule } from './rule.js';
import { asArray, asObject, asString } from './pod-specs.js';

/** Object placement and network exposure checks that apply to any kind, not just workloads. */

const DASHBOARD_NAME = /dashboard|kibana|grafana|prometheus|alertmanager|argocd-server|weave-scope|headlamp|portainer|octant|skooner|kubeview|jaeger-query/i;
/** Well-known dashboard ports: kubernetes-dashboard (8443, 9090 insecure), Kibana 5601. */
const DASHBOARD_PORTS = new Set([8443, 9090, 5601]);

function dashboardSignal(service: Record<string, unknown>): string | undefined {
  const metadata = asObject(service.metadata) ?? {};
  const name = asString(metadata.name) ?? '';
  if (DASHBOARD_NAME.test(name)) return `its name "${name}"`;
  const labels = { ...(asObject(metadata.labels) ?? {}), ...(asObject(asObject(service.spec)?.selector) ?? {}) };
  for (const [key, value] of Object.entries(labels)) {
    if (typeof value === 'string' && DASHBOARD_NAME.test(value)) return `label ${key}=${value}`;
  }
  for (const p of asArray(asObject(service.spec)?.ports)) {
    const port = asObject(p) ?? {};
    const portName = asString(port.name) ?? '';
    if (DASHBOARD_NAME.test(portName)) return `port name "${portName}"`;
    for (const n of [port.port, port.targetPort]) {
      if (typeof n === 'number' && DASHBOARD_PORTS.has(n)) return `port ${n}`;
    }
  }
  return undefined;
}

/** Objects Kubernetes itself keeps in the default namespace. */
function isBuiltInDefault(kind: string | undefined, name: string | undefined): boolean {
  return (name === 'kubernetes' && (kind === 'Service' || kind === 'Endpoints' || kind === 'EndpointSlice')) || (name === 'default' && kind === 'ServiceAccount');
}

export const EXPOSURE_RULES: readonly K8sRule[] = [
  {
    id: 'K8S025',
    title: 'Dashboard exposed through a LoadBalancer or NodePort service',
    severity: 'high',
    description: 'Dashboards (Kubernetes Dashboard, Grafana, Kibana, Prometheus, Argo CD, …) published outside the cluster are a favourite entry point; several have been taken over through exposed, weakly authenticated UIs.',
    remediation: 'Use a ClusterIP service and reach the dashboard through kubectl port-forward, a VPN, or an authenticating ingress.',
    references: ['https://github.com/kubernetes/dashboard/blob/master/docs/user/accessing-dashboard/README.md'],
    check: (object) => {
      if (object.kind !== 'Service') return [];
      const type = asString(asObject(object.spec)?.type);
      if (type !== 'LoadBalancer' && type !== 'NodePort') return [];
      const signal = dashboardSignal(object);
      return signal === undefined ? [] : [{ message: `${type} service looks like a dashboard (${signal})`, path: ['spec', 'type'] }];
    },
  },
  {
    id: 'K8S026',
    title: 'Object in the default namespace',
    severity: 'low',
    description: 'The default namespace gets no dedicated policies or quotas and mixes unrelated workloads. Only an explicit namespace: default is reported, since manifests without a namespace are usually placed at apply time.',
    remediation: 'Create a namespace for the application and set metadata.namespace to it.',
    references: ['https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/'],
    check: (object) => {
      if (object.metadata?.namespace !== 'default' || isBuiltInDefault(object.kind, object.metadata.name)) return [];
      return [{ message: `${object.kind ?? 'object'} is in the default namespace`, path: ['metadata', 'namespace'] }];
    },
  },
];
