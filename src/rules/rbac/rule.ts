import type { K8sObject, ResourceRef, RuleMeta } from '../types.js';
import type { Grant, RbacObjects } from './policy.js';

/** What every RBAC check sees: the objects (a cluster's or one file's) and the grants resolved from them once. */
export interface RbacContext {
  snapshot: RbacObjects;
  grants: Grant[];
}

export interface RbacHit {
  message: string;
  resource: ResourceRef;
  /** The object the finding is about and where in it, so file scans can give lines. */
  object: K8sObject;
  path: Array<string | number>;
}

/**
 * A check that may need more than one object (a binding and its role), which
 * is why it is not a K8sRule. It reports findings only: no hit means passed.
 */
export interface RbacRule extends RuleMeta {
  check(context: RbacContext): RbacHit[];
}
