/** The cluster checks are the RBAC rules of src/rules/rbac/, run over a whole snapshot. */
export type { RbacContext as ClusterContext, RbacHit as ClusterHit, RbacRule as ClusterRule } from '../../rules/rbac/rule.js';
