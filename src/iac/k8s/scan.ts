import { annotationSuppressions } from '../../rules/k8s/annotations.js';
import { K8S_RULES, resourceRef, ruleMeta, type K8sRule } from '../../rules/k8s/index.js';
import { isRbacKind, RBAC_RULES, runRbacRules, type RbacRule } from '../../rules/rbac/index.js';
import { mergeSuppressions } from '../../rules/suppressions.js';
import type { RuleResult } from '../../rules/types.js';
import { k8sYamlResources } from './documents.js';

/**
 * Runs the Kubernetes rules over each object of a manifest file, and the RBAC
 * rules over its roles, bindings and service accounts together: failed
 * results with file, lines and resource.
 */
export function scanK8sYaml(file: string, content: string, rules: readonly K8sRule[] = K8S_RULES, rbacRules: readonly RbacRule[] = RBAC_RULES): RuleResult[] {
  const results: RuleResult[] = [];
  // Only the RBAC objects are kept for the rules that look at several at once; the others' syntax trees are let go.
  const resources = [];
  for (const parsed of k8sYamlResources(content)) {
    const resource = { ...parsed, ref: resourceRef(parsed.object), suppressions: mergeSuppressions(parsed.suppressions, annotationSuppressions(parsed.object)) };
    if (isRbacKind(resource.object.kind)) resources.push(resource);
    for (const rule of rules) {
      const reason = resource.suppressions.get(rule.id.toUpperCase());
      for (const hit of rule.check(resource.object)) {
        const result: RuleResult = { rule: ruleMeta(rule), status: 'failed', message: hit.message, file, ...resource.lines(hit.path), resource: resource.ref };
        if (reason !== undefined) result.suppressed = { reason };
        results.push(result);
      }
    }
  }
  const byObject = new Map(resources.map((r) => [r.object, r]));
  for (const { rule, hit } of runRbacRules(resources.map((r) => r.object), rbacRules)) {
    const resource = byObject.get(hit.object);
    if (resource === undefined) continue;
    const result: RuleResult = { rule: ruleMeta(rule), status: 'failed', message: hit.message, file, ...resource.lines(hit.path), resource: resource.ref };
    const reason = resource.suppressions.get(rule.id.toUpperCase());
    if (reason !== undefined) result.suppressed = { reason };
    results.push(result);
  }
  return results;
}
