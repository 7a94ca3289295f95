import type { ResourceRef, RuleMeta } from '../../rules/types.js';
import type { Grant } from '../rbac.js';
import type { ClusterSnapshot } from '../snapshot.js';

/** What every cluster-level check sees; grants are resolved once per scan. */
export interface ClusterContext {
  snapshot: ClusterSnapshot;
  grants: Grant[];
}

export interface ClusterHit {
  message: string;
  resource: ResourceRef;
}

/**
 * A check that needs more than one object (a binding and its role, a service
 * account and its namespace), which is why it is not a K8sRule. It reports
 * findings only, like runK8sRules: no hit means the check passed.
 */
export interface ClusterRule extends RuleMeta {
  check(context: ClusterContext): ClusterHit[];
}
