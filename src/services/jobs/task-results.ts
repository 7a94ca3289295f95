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
