import type { K8sObject } from '../../../src/rules/types.js';

/** Small, valid objects for table-driven check tests; each test adds only what its case is about. */

const RBAC = 'rbac.authorization.k8s.io/v1';
export const BOOTSTRAP = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
type Rule = { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[]; nonResourceURLs?: string[] };
type Subject = { kind: string; name: string; namespace?: string; apiGroup?: string };

export const namespace = (name: string, labels: Record<string, string> = {}): K8sObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } },
});

export const serviceAccount = (ns: string, name: string, automount?: boolean): K8sObject => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { name, namespace: ns },
  ...(automount === undefined ? {} : { automountServiceAccountToken: automount }),
});

export const clusterRole = (name: string, rules: Rule[], labels: Record<string, string> = {}): K8sObject => ({ apiVersion: RBAC, kind: 'ClusterRole', metadata: { name, labels }, rules });
export const role = (ns: string, name: string, rules: Rule[]): K8sObject => ({ apiVersion: RBAC, kind: 'Role', metadata: { name, namespace: ns }, rules });

export const clusterRoleBinding = (name: string, roleName: string, subjects: Subject[], labels: Record<string, string> = {}): K8sObject => ({
  apiVersion: RBAC,
  kind: 'ClusterRoleBinding',
  metadata: { name, labels },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
  subjects,
});

export const roleBinding = (ns: string, name: string, roleRef: { kind: 'Role' | 'ClusterRole'; name: string }, subjects: Subject[]): K8sObject => ({
  apiVersion: RBAC,
  kind: 'RoleBinding',
  metadata: { name, namespace: ns },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef },
  subjects,
});

export const sa = (ns: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace: ns });
export const user = (name: string): Subject => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name });
export const group = (name: string): Subject => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name });

export const deployment = (ns: string, name: string, podSpec: Record<string, unknown>): K8sObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: podSpec } },
});

export const service = (ns: string, name: string, type = 'ClusterIP'): K8sObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: ns },
  spec: { type, ports: [{ port: 80 }] },
});

export const networkPolicy = (ns: string, name: string, spec: Record<string, unknown>): K8sObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace: ns },
  spec,
});

export const container = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name: 'app', image: 'registry.example.com/app:1.0', ...extra });
