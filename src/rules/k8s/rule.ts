import type { K8sObject, RuleMeta } from '../types.js';

/** One problem a rule found in an object. */
export interface K8sHit {
  message: string;
  /**
   * Where in the object the problem is, e.g.
   * ['spec', 'template', 'spec', 'containers', 0, 'securityContext', 'privileged'];
   * IaC scans map it to a line range, [] means the whole object.
   */
  path: Array<string | number>;
}

/** An object-level check: it sees one object at a time, so it works on manifests and live objects alike. */
export interface K8sRule extends RuleMeta {
  check(object: K8sObject): K8sHit[];
}
