/** The task types of HSS's common task framework (the jobs list). */
export const COMMON_TASK_TYPES = ['cluster_scan', 'iac_scan'] as const;
export type CommonTaskType = (typeof COMMON_TASK_TYPES)[number];

export const TRIGGER_TYPES = ['manual', 'schedule'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

export const COMMON_TASK_STATUSES = ['ready', 'running', 'finished'] as const;
export type CommonTaskStatus = (typeof COMMON_TASK_STATUSES)[number];

export const CLUSTER_SCAN_TYPES = ['cluster_vul', 'risk_assessment', 'benchmark'] as const;
export type ClusterScanType = (typeof CLUSTER_SCAN_TYPES)[number];

export const IAC_FILE_TYPES = ['dockerfile', 'k8s_yaml'] as const;
export type IacFileType = (typeof IAC_FILE_TYPES)[number];

export const RESOURCE_SCAN_STATUSES = ['waiting', 'scanning', 'success', 'failed'] as const;
export type ResourceScanStatus = (typeof RESOURCE_SCAN_STATUSES)[number];

/** What each stored result is: a rule result of a kind, a cluster vulnerability, or a workload's image. */
export const RESULT_CATEGORIES = ['iac', 'risk_assessment', 'benchmark', 'cluster_vul', 'workload_image'] as const;
export type ResultCategory = (typeof RESULT_CATEGORIES)[number];

/** One stored result of a scanned cluster or file. */
export interface TaskResult {
  category: ResultCategory;
  checkId: string;
  severity: string;
  status: 'failed' | 'passed' | 'not_evaluated';
  title: string;
  message: string;
  file: string;
  startLine: number | null;
  endLine: number | null;
  resource: { kind: string; namespace: string; name: string };
  suppressed: { reason: string } | null;
  detail: Record<string, unknown>;
}

/** What scanning one resource (a cluster or a file) came to. */
export type ResourceOutcome = { status: 'success'; results: TaskResult[] } | { status: 'failed'; reason: string };
