import type { K8sObject, ResourceRef, RuleMeta, RuleStatus } from '../../rules/types.js';
import type { Grant } from '../rbac.js';
import type { ClusterSnapshot } from '../snapshot.js';
import type { WorkloadIndex } from '../workloads.js';
import type { NodeReport } from './node/checks.js';
import type { NodeEvidence } from './node/evidence.js';

export const CIS_BENCHMARK = 'CIS Kubernetes Benchmark v1.10.0';
export const CIS_REFERENCE = 'https://www.cisecurity.org/benchmark/kubernetes';

export interface BenchmarkContext {
  snapshot: ClusterSnapshot;
  grants: Grant[];
  workloads: K8sObject[];
  index: WorkloadIndex;
  /** What the API shows of each node: the flags of its control-plane static pods and kube-proxy. */
  nodeEvidence: NodeEvidence[];
  /** What node agents reported, one per node; a report wins over the API's view of that node. */
  nodeReports: NodeReport[];
  /** Names the cluster in results about the whole cluster. */
  cluster: ResourceRef;
}

export interface ControlOutcome {
  status: RuleStatus;
  message: string;
  resource: ResourceRef;
}

/**
 * One CIS control. Unlike a risk rule it also reports passes and
 * not-evaluated outcomes, because a benchmark report lists every control.
 */
export interface BenchmarkControl extends RuleMeta {
  evaluate(context: BenchmarkContext): ControlOutcome[];
}

/** Namespaces run by Kubernetes itself: 5.2.x and 5.3.2 ask about namespaces with user workloads. */
export const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease']);

export function cisMeta(id: string, title: string, severity: RuleMeta['severity'], description: string, remediation: string): RuleMeta {
  return { id: `CIS-${id}`, title, severity, description, remediation, references: [CIS_REFERENCE] };
}

/** The outcome when nothing failed: one pass for the whole cluster, so every control shows up in a report. */
export function passedOr(outcomes: ControlOutcome[], context: BenchmarkContext, message: string): ControlOutcome[] {
  return outcomes.length > 0 ? outcomes : [{ status: 'passed', message, resource: context.cluster }];
}
