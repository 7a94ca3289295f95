import type { K8sObject, ResourceRef } from '../types.js';

/**
 * RBAC policy logic shared by the live cluster scan and the IaC scan of
 * manifest files: what a rule allows, who a binding names, which role it
 * resolves to.
 */

/** The RBAC objects a check looks at: all of a cluster's, or those of one manifest file. */
export interface RbacObjects {
  roles: K8sObject[];
  clusterroles: K8sObject[];
  rolebindings: K8sObject[];
  clusterrolebindings: K8sObject[];
  serviceaccounts: K8sObject[];
}

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

/** One binding, resolved to the rules it grants. */
export interface Grant {
  binding: K8sObject;
  bindingRef: ResourceRef;
  roleRef: { kind: string; name: string };
  subjects: Subject[];
  /** A ClusterRoleBinding: the rules hold in every namespace. */
  clusterWide: boolean;
  rules: PolicyRule[];
  /** False when the role it names does not exist (the binding grants nothing today). */
  roleFound: boolean;
}

export function ref(object: K8sObject): ResourceRef {
  const r: ResourceRef = { kind: object.kind ?? 'Unknown', name: object.metadata?.name ?? '' };
  if (object.metadata?.namespace !== undefined) r.namespace = object.metadata.namespace;
  return r;
}

const RULE_FIELDS = ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'] as const;

/**
 * A role's rules, each field kept only as a list of strings: manifests in
 * files are not validated by an API server. An entry that is not a map
 * becomes an empty rule (it grants nothing), so indexes match the role's.
 */
export function rulesOf(role: K8sObject | undefined): PolicyRule[] {
  const rules = role?.rules;
  if (!Array.isArray(rules)) return [];
  return rules.map((r: unknown) => {
    const rule: PolicyRule = {};
    if (r === null || typeof r !== 'object' || Array.isArray(r)) return rule;
    for (const field of RULE_FIELDS) {
      const value = (r as Record<string, unknown>)[field];
      if (Array.isArray(value)) rule[field] = value.filter((v): v is string => typeof v === 'string');
    }
    return rule;
  });
}

/**
 * Objects the API server creates and reconciles itself on every start: changing
 * them is undone, so flagging them only adds noise.
 */
export function isBootstrapDefault(object: K8sObject): boolean {
  return object.metadata?.labels?.['kubernetes.io/bootstrapping'] === 'rbac-defaults';
}

/** Users and groups named system:* are Kubernetes' own components and built-in groups. */
export function isSystemSubject(subject: Subject): boolean {
  return subject.kind !== 'ServiceAccount' && subject.name.startsWith('system:');
}

export function subjectText(subject: Subject): string {
  return subject.kind === 'ServiceAccount' ? `ServiceAccount ${subject.namespace ?? '?'}/${subject.name}` : `${subject.kind} ${subject.name}`;
}

/** A binding's well-formed subjects, each with its path in the binding. */
export function subjectsAt(binding: K8sObject): Array<{ subject: Subject; path: Array<string | number> }> {
  const raw = binding.subjects;
  if (!Array.isArray(raw)) return [];
  const out: Array<{ subject: Subject; path: Array<string | number> }> = [];
  (raw as Array<Record<string, unknown>>).forEach((s, index) => {
    if (s === null || typeof s !== 'object' || typeof s.kind !== 'string' || typeof s.name !== 'string') return;
    const subject: Subject = { kind: s.kind, name: s.name };
    if (typeof s.namespace === 'string') subject.namespace = s.namespace;
    // A RoleBinding's ServiceAccount subject without a namespace means the binding's own.
    else if (s.kind === 'ServiceAccount' && binding.metadata?.namespace !== undefined) subject.namespace = binding.metadata.namespace;
    out.push({ subject, path: ['subjects', index] });
  });
  return out;
}

function subjectsOf(binding: K8sObject): Subject[] {
  return subjectsAt(binding).map((s) => s.subject);
}

export function resolveGrants(snapshot: RbacObjects): Grant[] {
  const clusterRoles = new Map(snapshot.clusterroles.map((r) => [r.metadata?.name ?? '', r]));
  const roles = new Map(snapshot.roles.map((r) => [`${r.metadata?.namespace ?? ''}/${r.metadata?.name ?? ''}`, r]));
  const grants: Grant[] = [];
  const add = (binding: K8sObject, clusterWide: boolean): void => {
    const rr = (binding.roleRef ?? {}) as { kind?: unknown; name?: unknown };
    const roleRef = { kind: typeof rr.kind === 'string' ? rr.kind : '', name: typeof rr.name === 'string' ? rr.name : '' };
    const role = roleRef.kind === 'ClusterRole' ? clusterRoles.get(roleRef.name) : roles.get(`${binding.metadata?.namespace ?? ''}/${roleRef.name}`);
    grants.push({ binding, bindingRef: ref(binding), roleRef, subjects: subjectsOf(binding), clusterWide, rules: rulesOf(role), roleFound: role !== undefined });
  };
  for (const b of snapshot.clusterrolebindings) add(b, true);
  for (const b of snapshot.rolebindings) add(b, false);
  return grants;
}

function has(list: string[] | undefined, value: string): boolean {
  return Array.isArray(list) && (list.includes('*') || list.includes(value));
}

/**
 * Whether a rule lets a subject do `verb` on every object of `group`/`resource`.
 * Rules narrowed by resourceNames do not count: they reach named objects only,
 * and never a list or watch.
 */
export function allows(rule: PolicyRule, verb: string, group: string, resource: string): boolean {
  if (Array.isArray(rule.resourceNames) && rule.resourceNames.length > 0) return false;
  return has(rule.verbs, verb) && has(rule.apiGroups, group) && has(rule.resources, resource);
}

export function anyAllows(rules: PolicyRule[], verb: string, group: string, resource: string): boolean {
  return rules.some((r) => allows(r, verb, group, resource));
}

/** `*` verbs on `*` resources in `*` groups: what cluster-admin grants. */
export function isFullAccess(rules: PolicyRule[]): boolean {
  return rules.some((r) => r.verbs?.includes('*') && r.apiGroups?.includes('*') && r.resources?.includes('*'));
}

/** The subjects of a grant that are not Kubernetes' own, for checks about who else holds a right. */
export function nonSystemSubjects(grant: Grant): Subject[] {
  if (isBootstrapDefault(grant.binding)) return [];
  return grant.subjects.filter((s) => !isSystemSubject(s));
}
