/**
 * The one rule format shared by IaC scans (Dockerfiles, Kubernetes YAML) and
 * cluster checks (risk assessment, CIS benchmark): every rule has an id, a
 * title, a severity, a description, a remediation and references, and every
 * result names the rule, where it applies, and whether it failed, passed, or
 * could not be evaluated.
 */
export const RULE_SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type RuleSeverity = (typeof RULE_SEVERITIES)[number];

export interface RuleMeta {
  /** Stable id, e.g. DF001, K8S012, RBAC003, CIS-5.1.1. */
  id: string;
  title: string;
  severity: RuleSeverity;
  description: string;
  remediation: string;
  references: string[];
}

/** A Kubernetes object, as a manifest or the API gives it. */
export interface K8sObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; uid?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** Which object a result is about. */
export interface ResourceRef {
  kind: string;
  name: string;
  namespace?: string;
}

export type RuleStatus = 'failed' | 'passed' | 'not_evaluated';

export interface RuleResult {
  rule: RuleMeta;
  status: RuleStatus;
  /** What exactly is wrong (or why it was not evaluated), in words. */
  message: string;
  /** IaC: the file and the 1-based line range; absent for cluster objects. */
  file?: string;
  startLine?: number;
  endLine?: number;
  resource?: ResourceRef;
  /** Set when an inline comment suppressed the rule for this resource; the result is kept, marked, with the reason. */
  suppressed?: { reason: string };
}
