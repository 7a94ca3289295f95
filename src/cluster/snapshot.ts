import type { K8sObject } from '../rules/types.js';

/** What `/version` says about the control plane. */
export interface ClusterVersion {
  gitVersion: string;
  major: string;
  minor: string;
  platform: string;
}

/** Every kind a cluster scan reads, by the bucket it lands in. */
export const SNAPSHOT_KINDS = {
  Node: 'nodes',
  Namespace: 'namespaces',
  Pod: 'pods',
  Deployment: 'deployments',
  DaemonSet: 'daemonsets',
  StatefulSet: 'statefulsets',
  ReplicaSet: 'replicasets',
  Job: 'jobs',
  CronJob: 'cronjobs',
  Service: 'services',
  ServiceAccount: 'serviceaccounts',
  Role: 'roles',
  ClusterRole: 'clusterroles',
  RoleBinding: 'rolebindings',
  ClusterRoleBinding: 'clusterrolebindings',
  NetworkPolicy: 'networkpolicies',
} as const;

export type SnapshotKind = keyof typeof SNAPSHOT_KINDS;
export type SnapshotBucket = (typeof SNAPSHOT_KINDS)[SnapshotKind];

/** The apiVersion each kind is read at; objects from either input carry it. */
export const KIND_API_VERSIONS: Record<SnapshotKind, string> = {
  Node: 'v1',
  Namespace: 'v1',
  Pod: 'v1',
  Deployment: 'apps/v1',
  DaemonSet: 'apps/v1',
  StatefulSet: 'apps/v1',
  ReplicaSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
  Service: 'v1',
  ServiceAccount: 'v1',
  Role: 'rbac.authorization.k8s.io/v1',
  ClusterRole: 'rbac.authorization.k8s.io/v1',
  RoleBinding: 'rbac.authorization.k8s.io/v1',
  ClusterRoleBinding: 'rbac.authorization.k8s.io/v1',
  NetworkPolicy: 'networking.k8s.io/v1',
};

export type ClusterSnapshot = { version: ClusterVersion | null } & Record<SnapshotBucket, K8sObject[]>;

export function isSnapshotKind(kind: unknown): kind is SnapshotKind {
  return typeof kind === 'string' && Object.hasOwn(SNAPSHOT_KINDS, kind);
}

function sortKey(object: K8sObject): string {
  return `${object.metadata?.namespace ?? ''}\u0000${object.metadata?.name ?? ''}`;
}

/**
 * The one place both inputs end: objects are bucketed by kind, stamped with
 * kind/apiVersion (list items from the API server have neither), de-duplicated
 * (concatenated kubectl outputs may overlap) and sorted by namespace/name, so a
 * live read and a recorded snapshot of the same cluster are equal.
 */
export function buildSnapshot(objects: Iterable<K8sObject>, version: ClusterVersion | null): ClusterSnapshot {
  const buckets = Object.fromEntries(Object.values(SNAPSHOT_KINDS).map((b) => [b, new Map<string, K8sObject>()])) as Record<
    SnapshotBucket,
    Map<string, K8sObject>
  >;
  for (const object of objects) {
    if (!isSnapshotKind(object.kind)) continue;
    const stamped: K8sObject = { ...object, apiVersion: object.apiVersion ?? KIND_API_VERSIONS[object.kind], kind: object.kind };
    const bucket = buckets[SNAPSHOT_KINDS[object.kind]];
    const key = sortKey(stamped);
    if (!bucket.has(key)) bucket.set(key, stamped);
  }
  const snapshot = { version } as ClusterSnapshot;
  for (const [name, bucket] of Object.entries(buckets) as Array<[SnapshotBucket, Map<string, K8sObject>]>) {
    snapshot[name] = [...bucket.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o);
  }
  return snapshot;
}

export function versionFrom(raw: unknown): ClusterVersion | null {
  if (raw === null || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  if (typeof r.gitVersion !== 'string') return null;
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  return { gitVersion: r.gitVersion, major: text(r.major), minor: text(r.minor), platform: text(r.platform) };
}
