import type { RuleMeta } from '../../rules/types.js';
import { cisMeta, type BenchmarkContext, type BenchmarkControl, type ControlOutcome } from './control.js';
import { NODE_CHECKS, type NodeCheck, type Verdict } from './node/checks.js';
import type { NodeEvidence } from './node/evidence.js';

const REMEDIATION: Record<string, string> = {
  'Control Plane Node Configuration Files': 'On each control-plane node, chmod/chown the file as the control says (kubeadm: files under /etc/kubernetes and /var/lib/etcd).',
  'API Server': 'Edit /etc/kubernetes/manifests/kube-apiserver.yaml on each control-plane node; the kubelet restarts the API server.',
  'Controller Manager': 'Edit /etc/kubernetes/manifests/kube-controller-manager.yaml on each control-plane node.',
  Scheduler: 'Edit /etc/kubernetes/manifests/kube-scheduler.yaml on each control-plane node.',
  'Etcd Node Configuration': 'Edit /etc/kubernetes/manifests/etcd.yaml on each etcd node.',
  'Authentication and Authorization': 'Use an OIDC or other external identity provider for people, not certificates or tokens.',
  Logging: 'Pass --audit-policy-file to the API server with a policy covering Secrets, exec and RBAC changes.',
  'Worker Node Configuration Files': 'On each node, chmod/chown the file as the control says.',
  Kubelet: 'Set the field in the kubelet config file (/var/lib/kubelet/config.yaml) or the flag in the kubelet service, then restart the kubelet.',
  'kube-proxy': 'Set metricsBindAddress: 127.0.0.1:10249 in the kube-proxy configuration (ConfigMap kube-proxy in kube-system).',
  'General Policies': 'Enable the ImagePolicyWebhook admission plugin on the API server.',
};

function severityOf(check: NodeCheck): RuleMeta['severity'] {
  if (check.manual !== undefined) return 'info';
  return check.section.endsWith('Files') ? 'medium' : 'high';
}

interface NodeIndex {
  /** Per node, its agent's verdicts by control id. */
  reports: Map<string, Map<string, Verdict>>;
  evidence: Map<string, NodeEvidence>;
  nodes: string[];
}

/** Built once per benchmark run: every node control reads it. */
const INDEXES = new WeakMap<BenchmarkContext, NodeIndex>();

function indexOf(context: BenchmarkContext): NodeIndex {
  let index = INDEXES.get(context);
  if (index === undefined) {
    const reports = new Map(context.nodeReports.map((r) => [r.node, new Map(r.results.map((v) => [v.id, v]))]));
    const evidence = new Map(context.nodeEvidence.map((e) => [e.node, e]));
    index = { reports, evidence, nodes: [...new Set([...reports.keys(), ...evidence.keys()])].sort() };
    INDEXES.set(context, index);
  }
  return index;
}

/**
 * A control decided on nodes. Per node, what the node's agent reported
 * wins; without a report, the API's view of the node (the static pods'
 * flags) decides what it can. A control no node decides is not evaluated,
 * with the reason.
 */
export function nodeControl(check: NodeCheck): BenchmarkControl {
  return {
    ...cisMeta(check.id, check.title, severityOf(check), `${check.section}: ${check.title}.`, REMEDIATION[check.section] ?? 'Audit it on the node.'),
    evaluate(context: BenchmarkContext): ControlOutcome[] {
      if (check.manual !== undefined) return [{ status: 'not_evaluated', message: `manual in the CIS benchmark: ${check.manual}`, resource: context.cluster }];
      const { reports, evidence, nodes } = indexOf(context);
      const outcomes: ControlOutcome[] = [];
      for (const node of nodes) {
        const report = reports.get(node);
        const verdict = report !== undefined ? report.get(check.id) : check.evaluate?.(evidence.get(node)!);
        if (verdict !== undefined) outcomes.push({ status: verdict.status, message: verdict.message, resource: { kind: 'Node', name: node } });
      }
      if (outcomes.length > 0) return outcomes;
      return [{ status: 'not_evaluated', message: 'needs node access: no node agent reported this control and the API shows no static pod that decides it', resource: context.cluster }];
    },
  };
}

export const NODE_CONTROLS: readonly BenchmarkControl[] = NODE_CHECKS.map(nodeControl);
