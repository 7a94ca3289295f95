import { annotationSuppressions } from '../../rules/k8s/annotations.js';
import { K8S_RULES, resourceRef, ruleMeta, type K8sRule } from '../../rules/k8s/index.js';
import { mergeSuppressions } from '../../rules/suppressions.js';
import type { RuleResult } from '../../rules/types.js';
import { parseK8sYaml } from './documents.js';

/** Runs the Kubernetes rules over a manifest file: failed results with file, lines and resource. */
export function scanK8sYaml(file: string, content: string, rules: readonly K8sRule[] = K8S_RULES): RuleResult[] {
  const results: RuleResult[] = [];
  for (const resource of parseK8sYaml(content)) {
    const ref = resourceRef(resource.object);
    const suppressions = mergeSuppressions(resource.suppressions, annotationSuppressions(resource.object));
    for (const rule of rules) {
      const reason = suppressions.get(rule.id.toUpperCase());
      for (const hit of rule.check(resource.object)) {
        const result: RuleResult = { rule: ruleMeta(rule), status: 'failed', message: hit.message, file, ...resource.lines(hit.path), resource: ref };
        if (reason !== undefined) result.suppressed = { reason };
        results.push(result);
      }
    }
  }
  return results;
}
