import type { K8sObject, ResourceRef, RuleMeta, RuleResult } from '../types.js';
import { annotationSuppressions } from './annotations.js';
import { EXPOSURE_RULES } from './exposure.js';
import { BASELINE_RULES } from './pss-baseline.js';
import { RESTRICTED_RULES } from './pss-restricted.js';
import type { K8sRule } from './rule.js';
import { WORKLOAD_RULES } from './workload.js';

export type { K8sHit, K8sRule } from './rule.js';

export const K8S_RULES: readonly K8sRule[] = [...BASELINE_RULES, ...RESTRICTED_RULES, ...WORKLOAD_RULES, ...EXPOSURE_RULES].sort((a, b) =>
  a.id.localeCompare(b.id),
);

/** Tolerates malformed manifests (a numeric name, metadata that is not a map): the reference is only for display. */
export function resourceRef(object: K8sObject): ResourceRef {
  const metadata: Record<string, unknown> = object.metadata !== null && typeof object.metadata === 'object' ? object.metadata : {};
  const text = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);
  const ref: ResourceRef = { kind: text(object.kind) ?? 'Unknown', name: text(metadata.name) ?? '' };
  const namespace = text(metadata.namespace);
  if (namespace !== undefined) ref.namespace = namespace;
  return ref;
}

/** Strips the check function so results carry plain, serialisable metadata. */
export function ruleMeta(rule: RuleMeta): RuleMeta {
  return {
    id: rule.id,
    title: rule.title,
    severity: rule.severity,
    description: rule.description,
    remediation: rule.remediation,
    references: [...rule.references],
  };
}

function isObject(value: unknown): value is K8sObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `kubectl get … -o json` snapshots arrive as List (or PodList, …) objects; their items are the objects to check. */
function expandLists(objects: readonly unknown[], depth = 0): K8sObject[] {
  return objects.flatMap((o) => {
    if (!isObject(o)) return [];
    if (depth < 3 && typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) return expandLists(o.items, depth + 1);
    return [o];
  });
}

/**
 * Cluster scans call this on live objects: failed results only, with
 * `resource` and the hit's `path` in the object set, and no file or lines. List objects are walked. Results
 * suppressed by the openhss.io/ignore annotation are kept, marked `suppressed`.
 */
export function runK8sRules(objects: K8sObject[], rules: readonly K8sRule[] = K8S_RULES): Array<RuleResult & { path: Array<string | number> }> {
  const results: Array<RuleResult & { path: Array<string | number> }> = [];
  for (const object of expandLists(objects)) {
    const resource = resourceRef(object);
    const suppressions = annotationSuppressions(object);
    for (const rule of rules) {
      const reason = suppressions.get(rule.id.toUpperCase());
      for (const hit of rule.check(object)) {
        const result: RuleResult & { path: Array<string | number> } = { rule: ruleMeta(rule), status: 'failed', message: hit.message, resource, path: hit.path };
        if (reason !== undefined) result.suppressed = { reason };
        results.push(result);
      }
    }
  }
  return results;
}
