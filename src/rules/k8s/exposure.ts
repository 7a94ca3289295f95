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

/** Annotations that make a cloud load balancer internal (AWS, GKE, AKS, OCI, IBM, Alibaba, DigitalOcean-less clouds). */
const INTERNAL_LB_ANNOTATIONS: Record<string, RegExp> = {
  'service.beta.kubernetes.io/aws-load-balancer-internal': /^(true|0\.0\.0\.0\/0)$/i,
  'service.beta.kubernetes.io/aws-load-balancer-scheme': /^internal$/i,
  'networking.gke.io/load-balancer-type': /^internal$/i,
  'cloud.google.com/load-balancer-type': /^internal$/i,
  'service.beta.kubernetes.io/azure-load-balancer-internal': /^true$/i,
  'service.beta.kubernetes.io/oci-load-balancer-internal': /^true$/i,
  'service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type': /^private$/i,
  'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type': /^intranet$/i,
};

function internalLoadBalancer(service: Record<string, unknown>): boolean {
  const annotations = asObject(asObject(service.metadata)?.annotations) ?? {};
  return Object.entries(INTERNAL_LB_ANNOTATIONS).some(([key, value]) => typeof annotations[key] === 'string' && value.test(annotations[key]));
}

const SERVICE_DOC = 'https://kubernetes.io/docs/concepts/services-networking/service/';

export const EXPOSURE_RULES: readonly K8sRule[] = [
  {
    id: 'K8S025',
    title: 'Dashboard exposed through a LoadBalancer or NodePort service',
    severity: 'high',
    description: 'Dashboards (Kubernetes Dashboard, Grafana, Kibana, Prometheus, Argo CD, …) published outside the cluster are a favourite entry point; several have been taken over through exposed, weakly authenticated UIs.',
    remediation: 'Use a ClusterIP service and reach the dashboard through kubectl port-forward, a VPN, or an authenticating ingress.',
    references: ['https://kubernetes.io/docs/tasks/access-application-cluster/web-ui-dashboard/', 'https://github.com/kubernetes/dashboard/blob/master/docs/user/accessing-dashboard/README.md'],
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
  {
    id: 'K8S031',
    title: 'Service of type NodePort',
    severity: 'medium',
    description: 'A NodePort service opens the same port on every node, reachable by anything that can reach a node, outside any load balancer or ingress policy. Dashboards are reported by K8S025 instead.',
    remediation: 'Use a ClusterIP service behind an Ingress or Gateway, or a LoadBalancer restricted with loadBalancerSourceRanges.',
    references: [`${SERVICE_DOC}#type-nodeport`],
    check: (object) => {
      if (object.kind !== 'Service' || asString(asObject(object.spec)?.type) !== 'NodePort' || dashboardSignal(object) !== undefined) return [];
      const ports = asArray(asObject(object.spec)?.ports).map((p) => asObject(p)?.nodePort).filter((n) => n !== undefined);
      return [{ message: `Service is of type NodePort${ports.length > 0 ? ` (node ports ${ports.map(String).join(', ')})` : ''}`, path: ['spec', 'type'] }];
    },
  },
  {
    id: 'K8S032',
    title: 'LoadBalancer service open to any source',
    severity: 'medium',
    description: 'A LoadBalancer service without loadBalancerSourceRanges, and not marked internal, gets an address reachable from anywhere the cloud network allows, usually the internet. Dashboards are reported by K8S025 instead.',
    remediation: 'Set spec.loadBalancerSourceRanges to the networks that need access, or make the load balancer internal with your cloud\'s annotation.',
    references: [`${SERVICE_DOC}#loadbalancer`, 'https://kubernetes.io/docs/tasks/access-application-cluster/configure-cloud-provider-firewall/'],
    check: (object) => {
      const spec = asObject(object.spec);
      if (object.kind !== 'Service' || asString(spec?.type) !== 'LoadBalancer' || dashboardSignal(object) !== undefined) return [];
      if (asArray(spec?.loadBalancerSourceRanges).length > 0 || internalLoadBalancer(object)) return [];
      return [{ message: 'LoadBalancer service has no loadBalancerSourceRanges and is not internal', path: ['spec', 'type'] }];
    },
  },
  {
    id: 'K8S033',
    title: 'Ingress without TLS',
    severity: 'medium',
    description: 'An Ingress host not listed under spec.tls is served over plain HTTP: credentials and session cookies cross the network in clear text.',
    remediation: 'Add a spec.tls entry with a certificate Secret (or a cert-manager annotation) covering every host of the Ingress.',
    references: ['https://kubernetes.io/docs/concepts/services-networking/ingress/#tls'],
    check: (object) => {
      if (object.kind !== 'Ingress') return [];
      const spec = asObject(object.spec) ?? {};
      const tls = asArray(spec.tls).map(asObject).filter((t) => t !== undefined);
      const hosts = asArray(spec.rules).map((r) => asString(asObject(r)?.host));
      if (tls.length === 0) {
        if (hosts.length === 0 && asObject(spec.defaultBackend ?? spec.backend) === undefined) return [];
        return [{ message: 'Ingress has no tls section', path: ['spec'] }];
      }
      // A TLS entry without hosts covers the default host (the wildcard, per the API docs).
      const covered = tls.flatMap((t) => asArray(t.hosts).map(asString));
      const defaultCovered = tls.some((t) => asArray(t.hosts).length === 0);
      return hosts.flatMap((host, i) => {
        if (host === undefined ? defaultCovered : covered.some((c) => c === host || (c?.startsWith('*.') === true && host.endsWith(c.slice(1)) && !host.slice(0, -c.length + 1).includes('.')))) return [];
        return [{ message: `host ${host ?? '(any)'} is not covered by the tls section`, path: ['spec', 'rules', i] }];
      });
    },
  },
];
