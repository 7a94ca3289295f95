import type { RuleResult } from '../../rules/types.js';
import { ruleMeta } from '../../rules/k8s/index.js';
import { RBAC_RULES } from '../../rules/rbac/rules.js';
import type { ClusterContext, ClusterRule } from './rule.js';

export type { ClusterContext, ClusterHit, ClusterRule } from './rule.js';

/** The cluster-level rules are the RBAC rules (src/rules/rbac/), the same ones the IaC scan runs on manifest files. */
export const CLUSTER_RULES: readonly ClusterRule[] = RBAC_RULES;

export function runClusterRules(context: ClusterContext, rules: readonly ClusterRule[] = CLUSTER_RULES): RuleResult[] {
  return rules.flatMap((rule) => rule.check(context).map((hit) => ({ rule: ruleMeta(rule), status: 'failed' as const, message: hit.message, resource: hit.resource })));
}
