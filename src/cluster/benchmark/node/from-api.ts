import type { K8sObject } from '../../../rules/types.js';
import type { ClusterSnapshot } from '../../snapshot.js';
import { parseFlags, type NodeComponent, type NodeEvidence } from './evidence.js';

const STATIC_POD_COMPONENTS: readonly NodeComponent[] = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'];

/** Which component a kube-system pod runs: kubeadm's `component` label on static pods, `k8s-app: kube-proxy` on kube-proxy. */
function componentOf(pod: K8sObject): NodeComponent | undefined {
  const labels = pod.metadata?.labels ?? {};
  const byLabel = labels.component ?? labels['k8s-app'];
  if (byLabel === 'kube-proxy') return 'kube-proxy';
  return STATIC_POD_COMPONENTS.find((c) => c === byLabel);
}

type Container = { name?: string; command?: unknown; args?: unknown };

/** The command line of a pod's container for a component (its `command` then `args`). */
export function commandLine(pod: K8sObject, component: NodeComponent): string[] {
  const containers = ((pod.spec as { containers?: Container[] } | undefined)?.containers ?? []).filter((c) => c !== null && typeof c === 'object');
  const main = containers.find((c) => c.name === component) ?? containers[0];
  const words = (v: unknown): string[] => (Array.isArray(v) ? v.filter((w): w is string => typeof w === 'string') : []);
  return main === undefined ? [] : [...words(main.command), ...words(main.args)];
}

/**
 * The node evidence the API server shows: the command lines of the
 * control-plane static pods it mirrors (kube-system, one per node) and of
 * the kube-proxy pods. Managed control planes (EKS, GKE, AKS) show none.
 */
export function evidenceFromApi(snapshot: ClusterSnapshot): NodeEvidence[] {
  const byNode = new Map<string, NodeEvidence>();
  for (const pod of snapshot.pods) {
    if (pod.metadata?.namespace !== 'kube-system') continue;
    const component = componentOf(pod);
    const node = (pod.spec as { nodeName?: unknown } | undefined)?.nodeName;
    if (component === undefined || typeof node !== 'string' || node === '') continue;
    const evidence = byNode.get(node) ?? { node, source: 'api' as const, flags: {} };
    evidence.flags[component] = parseFlags(commandLine(pod, component));
    byNode.set(node, evidence);
  }
  return [...byNode.values()].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
}
