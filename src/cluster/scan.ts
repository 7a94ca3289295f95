import { resourceRef, runK8sRules } from '../rules/k8s/index.js';
import type { ResourceRef, RuleResult, RuleStatus } from '../rules/types.js';
import { evidenceFromApi, runBenchmark, type NodeReport } from './benchmark/index.js';
import { runClusterRules } from './checks/index.js';
import { groupRiskResults, refKey, type RiskFinding } from './grouping.js';
import { clusterComponents, workloadImages, type ClusterComponent, type WorkloadImage } from './inventory.js';
import { resolveGrants } from './rbac.js';
import type { ClusterSnapshot, ClusterVersion } from './snapshot.js';
import { WorkloadIndex, topLevelWorkloads } from './workloads.js';

export const CLUSTER_SCAN_TYPES = ['cluster_vul', 'risk_assessment', 'benchmark'] as const;
export type ClusterScanType = (typeof CLUSTER_SCAN_TYPES)[number];

export type StatusCounts = Record<RuleStatus, number>;

export interface ClusterScanResult {
  scanTypes: ClusterScanType[];
  version: ClusterVersion | null;
  /** cluster_vul: versions for the vulnerability DB to match, and the images to queue for image scans. */
  clusterVul?: { components: ClusterComponent[]; workloadImages: WorkloadImage[] };
  /**
   * risk_assessment: findings only (status failed), workload rules (K8S0xx) then cluster rules (RBAC0xx),
   * one per (object, rule) with its instances (containers, role rules); `instances` counts them all.
   */
  riskAssessment?: { results: RiskFinding[]; counts: StatusCounts; instances: number };
  /** benchmark: every CIS control, passed, failed or not_evaluated. */
  benchmark?: { results: RuleResult[]; counts: StatusCounts };
}

export interface ClusterScanOptions {
  /** Names the cluster in results about the cluster as a whole (resource kind "Cluster"). Default "cluster". */
  clusterName?: string;
  /** benchmark: what node agents reported about their nodes (sections 1 to 4), one per node. */
  nodeReports?: NodeReport[];
}

function counts(results: RuleResult[]): StatusCounts {
  const c: StatusCounts = { failed: 0, passed: 0, not_evaluated: 0 };
  for (const r of results) c[r.status]++;
  return c;
}

/** Pure: the same snapshot and types always give the same result, whichever input produced the snapshot. */
export function scanCluster(snapshot: ClusterSnapshot, scanTypes: readonly ClusterScanType[], options: ClusterScanOptions = {}): ClusterScanResult {
  for (const t of scanTypes) if (!(CLUSTER_SCAN_TYPES as readonly string[]).includes(t)) throw new TypeError(`unknown cluster scan type: ${String(t)}`);
  const types = CLUSTER_SCAN_TYPES.filter((t) => scanTypes.includes(t));
  const result: ClusterScanResult = { scanTypes: types, version: snapshot.version };
  const index = new WorkloadIndex(snapshot);
  const workloads = topLevelWorkloads(snapshot, index);
  const grants = resolveGrants(snapshot);
  const cluster: ResourceRef = { kind: 'Cluster', name: options.clusterName ?? 'cluster' };

  if (types.includes('cluster_vul')) {
    result.clusterVul = { components: clusterComponents(snapshot), workloadImages: workloadImages(snapshot) };
  }
  if (types.includes('risk_assessment')) {
    const objects = [...workloads, ...snapshot.services];
    const byRef = new Map(objects.map((o) => [refKey(resourceRef(o)), o]));
    const located = [...runK8sRules(objects), ...runClusterRules({ snapshot, grants })];
    const results = groupRiskResults(located, byRef);
    result.riskAssessment = { results, counts: counts(results), instances: located.length };
  }
  if (types.includes('benchmark')) {
    const results = runBenchmark({ snapshot, grants, workloads, index, cluster, nodeEvidence: evidenceFromApi(snapshot), nodeReports: options.nodeReports ?? [] });
    result.benchmark = { results, counts: counts(results) };
  }
  return result;
}
