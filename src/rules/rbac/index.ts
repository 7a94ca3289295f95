import type { K8sObject } from '../types.js';
import { resolveGrants, type RbacObjects } from './policy.js';
import type { RbacHit, RbacRule } from './rule.js';
import { RBAC_RULES } from './rules.js';

export type { RbacContext, RbacHit, RbacRule } from './rule.js';
export { RBAC_RULES } from './rules.js';

const BUCKETS: Record<string, keyof RbacObjects> = {
  Role: 'roles',
  ClusterRole: 'clusterroles',
  RoleBinding: 'rolebindings',
  ClusterRoleBinding: 'clusterrolebindings',
  ServiceAccount: 'serviceaccounts',
};

export function isRbacKind(kind: unknown): boolean {
  return typeof kind === 'string' && Object.hasOwn(BUCKETS, kind);
}

/** The RBAC objects among `objects` (say, those of one manifest file), by kind. */
export function rbacObjects(objects: readonly K8sObject[]): RbacObjects {
  const out: RbacObjects = { roles: [], clusterroles: [], rolebindings: [], clusterrolebindings: [], serviceaccounts: [] };
  for (const object of objects) {
    const bucket = isRbacKind(object.kind) ? BUCKETS[object.kind as string] : undefined;
    if (bucket !== undefined) out[bucket].push(object);
  }
  return out;
}

/**
 * Runs the RBAC rules over a set of objects, each rule with what it hit. A
 * binding whose role is not among the objects is judged on its roleRef alone
 * (cluster-admin, anonymous subjects).
 */
export function runRbacRules(objects: readonly K8sObject[], rules: readonly RbacRule[] = RBAC_RULES): Array<{ rule: RbacRule; hit: RbacHit }> {
  const snapshot = rbacObjects(objects);
  if (Object.values(snapshot).every((list) => list.length === 0)) return [];
  const context = { snapshot, grants: resolveGrants(snapshot) };
  return rules.flatMap((rule) => rule.check(context).map((hit) => ({ rule, hit })));
}
