import type { K8sObject } from '../../rules/types.js';
import { SYSTEM_NAMESPACES, cisMeta, type BenchmarkControl, type ControlOutcome } from './control.js';

function selectsAllPods(policy: K8sObject): boolean {
  const selector = (policy.spec as { podSelector?: { matchLabels?: object; matchExpressions?: unknown[] } } | undefined)?.podSelector;
  if (selector === undefined || selector === null) return false;
  return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

/** The directions a policy denies by default: its types, with no rule letting anything through. */
function deniedDirections(policy: K8sObject): Set<'Ingress' | 'Egress'> {
  const spec = (policy.spec ?? {}) as { policyTypes?: string[]; ingress?: unknown[]; egress?: unknown[] };
  // Without policyTypes a policy is Ingress, plus Egress if it has egress rules.
  const types = spec.policyTypes ?? ['Ingress', ...(spec.egress !== undefined ? ['Egress'] : [])];
  const denied = new Set<'Ingress' | 'Egress'>();
  if (!selectsAllPods(policy)) return denied;
  if (types.includes('Ingress') && (spec.ingress ?? []).length === 0) denied.add('Ingress');
  if (types.includes('Egress') && (spec.egress ?? []).length === 0) denied.add('Egress');
  return denied;
}

const DEFAULT_DENY: BenchmarkControl = {
  ...cisMeta(
    '5.3.2',
    'Ensure that all Namespaces have NetworkPolicies defined',
    'high',
    'Each namespace with user workloads has a default-deny NetworkPolicy for ingress and for egress (empty podSelector, no rules), so only explicitly allowed traffic flows.',
    'Add a NetworkPolicy with podSelector: {} and policyTypes [Ingress, Egress] and no rules, then allow the traffic each workload needs.',
  ),
  references: ['https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies'],
  evaluate(context) {
    return context.snapshot.namespaces
      .filter((ns) => !SYSTEM_NAMESPACES.has(ns.metadata?.name ?? ''))
      .map<ControlOutcome>((ns) => {
        const name = ns.metadata?.name ?? '';
        const denied = new Set<string>();
        for (const p of context.snapshot.networkpolicies) if (p.metadata?.namespace === name) for (const d of deniedDirections(p)) denied.add(d);
        const missing = ['Ingress', 'Egress'].filter((d) => !denied.has(d));
        const resource = { kind: 'Namespace', name };
        return missing.length === 0
          ? { status: 'passed', message: 'default-deny NetworkPolicies cover ingress and egress', resource }
          : { status: 'failed', message: `no default-deny NetworkPolicy for ${missing.join(' and ').toLowerCase()}`, resource };
      });
  },
};

const CNI_SUPPORT: BenchmarkControl = {
  ...cisMeta('5.3.1', 'Ensure that the CNI in use supports NetworkPolicies', 'high', 'NetworkPolicies have effect only if the network plugin enforces them.', 'Use a CNI plugin that enforces NetworkPolicies (Calico, Cilium, ...).'),
  evaluate(context) {
    return [{ status: 'not_evaluated', message: 'needs node access: the CNI plugin and its configuration live on the nodes', resource: context.cluster }];
  },
};

export const NETWORK_CONTROLS: readonly BenchmarkControl[] = [CNI_SUPPORT, DEFAULT_DENY];
