import type { RuleResult } from '../../rules/types.js';
import { ruleMeta } from '../../rules/k8s/index.js';
import {
  ANONYMOUS_BINDING,
  CLUSTER_WIDE_SECRET_READ,
  DEFAULT_SA_AUTOMOUNT,
  SERVICE_ACCOUNT_CLUSTER_ADMIN,
  WILDCARD_RESOURCES,
  WILDCARD_VERBS,
} from './rbac-rules.js';
import type { ClusterContext, ClusterRule } from './rule.js';

export type { ClusterContext, ClusterHit, ClusterRule } from './rule.js';

export const CLUSTER_RULES: readonly ClusterRule[] = [
  SERVICE_ACCOUNT_CLUSTER_ADMIN,
  WILDCARD_VERBS,
  WILDCARD_RESOURCES,
  DEFAULT_SA_AUTOMOUNT,
  CLUSTER_WIDE_SECRET_READ,
  ANONYMOUS_BINDING,
];

export function runClusterRules(context: ClusterContext, rules: readonly ClusterRule[] = CLUSTER_RULES): RuleResult[] {
  return rules.flatMap((rule) => rule.check(context).map((hit) => ({ rule: ruleMeta(rule), status: 'failed' as const, message: hit.message, resource: hit.resource })));
}
