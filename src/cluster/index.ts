/**
 * Read-only Kubernetes cluster scans: collect a ClusterSnapshot from a live API
 * server (kubeconfig) or an offline `kubectl get -o json` snapshot, then scan
 * it for component versions and images, risks, and CIS benchmark controls.
 */
export { ClusterScanError, type ClusterScanErrorKind } from './errors.js';
export { SNAPSHOT_KINDS, buildSnapshot, type ClusterSnapshot, type ClusterVersion, type SnapshotKind } from './snapshot.js';
export { parseSnapshot } from './source/snapshot-file.js';
export { collectLiveSnapshot, type LiveCollectOptions } from './source/live.js';
export { loadKubeconfig, type KubeconfigPolicy } from './source/kubeconfig.js';
export { CLUSTER_SCAN_TYPES, scanCluster, type ClusterScanOptions, type ClusterScanResult, type ClusterScanType, type StatusCounts } from './scan.js';
export type { ClusterComponent, ComponentName, WorkloadImage } from './inventory.js';
export { groupRiskResults, type RiskFinding, type RiskInstance } from './grouping.js';
export { CLUSTER_RULES, runClusterRules, type ClusterRule, type ClusterContext, type ClusterHit } from './checks/index.js';
export { CIS_BENCHMARK, CIS_CONTROLS, NODE_CHECKS, evaluateNode, evidenceFromApi, runBenchmark, type NodeCheckResult, type NodeEvidence, type NodeReport, type BenchmarkControl, type BenchmarkContext, type ControlOutcome } from './benchmark/index.js';
