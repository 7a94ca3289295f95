import type { RiskFinding } from '../../cluster/grouping.js';
import type { ResultCategory, TaskResult } from '../../domain/common-task.js';
import type { RuleResult } from '../../rules/types.js';

/** A rule result (IaC, risk assessment, benchmark) as a job stores it. */
export function fromRuleResult(r: RuleResult, category: ResultCategory): TaskResult {
  return {
    category,
    checkId: r.rule.id,
    severity: r.rule.severity,
    status: r.status,
    title: r.rule.title,
    message: r.message,
    file: r.file ?? '',
    startLine: r.startLine ?? null,
    endLine: r.endLine ?? null,
    resource: { kind: r.resource?.kind ?? '', namespace: r.resource?.namespace ?? '', name: r.resource?.name ?? '' },
    suppressed: r.suppressed ?? null,
    detail: { description: r.rule.description, remediation: r.rule.remediation, references: r.rule.references },
  };
}

/**
 * A grouped risk finding (one per object and rule) as a job stores it: the rule result, with
 * `instance_num` and `instances` (each `{message, container?, container_type?, path?}`) in its detail.
 */
export function fromRiskFinding(f: RiskFinding): TaskResult {
  const stored = fromRuleResult(f, 'risk_assessment');
  const instances = f.instances.map((i) => ({
    message: i.message,
    ...(i.container !== undefined ? { container: i.container } : {}),
    ...(i.containerType !== undefined ? { container_type: i.containerType } : {}),
    ...(i.path !== undefined ? { path: i.path } : {}),
  }));
  return { ...stored, detail: { ...stored.detail, instance_num: instances.length, instances } };
}

/** The check id of the result that says a cluster_vul scan matched against the built-in demo vulnerability DB. */
export const DEMO_DB_CHECK_ID = 'OPENHSS-DEMO-DB';

/**
 * Said in a cluster job's results when cluster_vul matched against the built-in demo DB (a few
 * sample advisories, what a new install or an offline one without an imported bundle has):
 * the cluster_vul findings are not real and their absence proves nothing.
 */
export function demoDbResult(builtAt: string | null): TaskResult {
  return {
    category: 'cluster_vul',
    checkId: DEMO_DB_CHECK_ID,
    severity: 'info',
    status: 'not_evaluated',
    title: 'Vulnerability data is the built-in demo DB',
    message:
      'Cluster vulnerabilities were matched against the built-in demo vulnerability DB (a few sample advisories): these cluster_vul results are a demo, not real. Run "openhss db update", or "openhss db import PATH" offline, then scan again.',
    file: '',
    startLine: null,
    endLine: null,
    resource: { kind: 'Cluster', namespace: '', name: '' },
    suppressed: null,
    detail: { demo_db: true, db_built_at: builtAt },
  };
}
