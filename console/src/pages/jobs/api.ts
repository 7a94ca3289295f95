import { del, epQuery, get, post, put, request, type HssList, type Query } from '../../api/client';
import { useSession } from '../../hooks/useSession';

export const TASK_TYPES = ['cluster_scan', 'iac_scan'] as const;
export type TaskType = (typeof TASK_TYPES)[number];
export const TASK_STATUSES = ['ready', 'running', 'finished'] as const;
export const TRIGGER_TYPES = ['manual', 'schedule'] as const;
export const CLUSTER_SCAN_TYPES = ['cluster_vul', 'risk_assessment', 'benchmark'] as const;
export const IAC_FILE_TYPES = ['dockerfile', 'k8s_yaml'] as const;
export const RESULT_CATEGORIES = ['iac', 'risk_assessment', 'benchmark', 'cluster_vul', 'workload_image'] as const;
export const RESULT_STATUSES = ['failed', 'passed', 'not_evaluated'] as const;
export const RESOURCE_STATUSES = ['scanning', 'success', 'failed'] as const;

/** A row of the jobs list (seed 2, POST /v5/{project_id}/common/tasks/batch-query). */
export interface Job {
  task_id: string;
  task_type: TaskType;
  task_name: string;
  trigger_type: 'manual' | 'schedule';
  task_status: 'ready' | 'running' | 'finished';
  start_time: number;
  end_time: number;
  estimated_time: number;
  cluster_scan_info?: { scan_type_list: string[]; scanning_cluster_num: number; success_cluster_num: number; failed_cluster_num: number };
  iac_scan_info?: { file_type: string; scan_file_num: number; success_file_num: number; failed_file_num: number };
}

export interface JobFilter {
  task_type: TaskType;
  task_id?: string;
  task_name?: string;
  start_create_time?: number;
  end_create_time?: number;
  trigger_type?: string;
  task_status?: string;
  sort_key?: 'start_time';
  sort_dir?: 'asc' | 'desc';
  cluster_scan_info?: { scan_type_list?: string[] };
  iac_scan_info?: { file_type?: string };
}

export const listJobs = (body: JobFilter, page: Query) => post<HssList<Job>>('/v5/{project_id}/common/tasks/batch-query', body, { ...epQuery(), ...page });

/** One job by id: its type if known, else whichever type has it. */
export async function findJob(taskId: string, type?: string): Promise<Job | null> {
  const types = TASK_TYPES.includes(type as TaskType) ? [type as TaskType] : [...TASK_TYPES];
  for (const task_type of types) {
    const found = await listJobs({ task_type, task_id: taskId }, { limit: 10 });
    if (found.data_list[0]) return found.data_list[0];
  }
  return null;
}

export const jobsKey = ['jobs'] as const;

export interface CreateJob {
  task_type: TaskType;
  task_name?: string;
  cluster_scan_info?: { scan_type_list: string[]; range_type: 'all_cluster' | 'specific_cluster'; cluster_id_list?: string[] };
  iac_scan_info?: { file_type: string; file_id_list: string[] };
}

export const createJob = (body: CreateJob) => post<{ task_id: string }>('/v5/{project_id}/common/task', body, epQuery());

export const retryJob = (taskId: string, body: unknown = { task_type: 'cluster_scan', cluster_scan_info: { range_type: 'all_failed_cluster' } }) =>
  put<null>(`/v5/{project_id}/common/tasks/${encodeURIComponent(taskId)}/retry`, body, epQuery());

/** A cluster or file of a job (ListTaskResources, openhss's data_list). */
export interface JobResource {
  resource_id: string;
  resource_name: string;
  scan_status: 'waiting' | 'scanning' | 'success' | 'failed';
  start_time: number;
  end_time: number;
  failed_reason: string;
  summary: Record<string, Record<string, number>>;
}

export const listJobResources = (taskId: string, taskType: TaskType, filter: { scan_status?: string; name?: string }, page: Query) => {
  const info = { ...(filter.scan_status ? { scan_status: filter.scan_status } : {}) };
  const body =
    taskType === 'cluster_scan'
      ? { task_type: taskType, cluster_scan_info: { ...info, ...(filter.name ? { cluster_name: filter.name } : {}) } }
      : { task_type: taskType, iac_scan_info: { ...info, ...(filter.name ? { file_name: filter.name } : {}) } };
  return post<{ total_num: number; data_list: JobResource[] }>(`/v5/{project_id}/common/tasks/${encodeURIComponent(taskId)}/resources/batch-query`, body, { ...epQuery(), ...page });
};

/** Result filters shared by the results list and its groups. */
export interface ResultFilter {
  resource_id?: string;
  category?: string;
  status?: string;
  severity?: string;
  check_id?: string;
  resource_kind?: string;
  resource_namespace?: string;
  resource_name?: string;
}

export interface JobResult {
  resource_id: string;
  category: string;
  check_id: string;
  severity: string;
  status: string;
  title: string;
  message: string;
  file: string;
  start_line: number;
  end_line: number;
  resource_kind: string;
  resource_namespace: string;
  resource_name: string;
  suppressed: boolean;
  suppress_reason: string;
  /** How many places the result stands for: a risk finding is one per object and rule, its places in detail.instances. */
  instance_num?: number;
  detail: Record<string, unknown>;
}

/** One place a grouped risk finding failed (detail.instances). */
export interface ResultInstance {
  message: string;
  container?: string;
  container_type?: string;
  path?: string;
}

export function instancesOf(r: JobResult): ResultInstance[] {
  const list = r.detail.instances;
  return Array.isArray(list) ? (list as ResultInstance[]) : [];
}

export const listJobResults = (taskId: string, filter: ResultFilter, page: Query) =>
  get<HssList<JobResult>>(`/v5/{project_id}/common/tasks/${encodeURIComponent(taskId)}/results`, { ...epQuery(), ...filter, ...page });

export interface GroupCounts {
  total_num: number;
  failed_num: number;
  passed_num: number;
  not_evaluated_num: number;
  suppressed_num: number;
  failed_by_severity: { critical: number; high: number; medium: number; low: number };
}
export type RuleGroup = GroupCounts & { check_id: string; category: string; severity: string; title: string; object_num: number };
export type ObjectGroup = GroupCounts & { resource_id: string; resource_name: string; object_kind: string; object_namespace: string; object_name: string; file: string; rule_num: number };

export const listRuleGroups = (taskId: string, filter: ResultFilter, page: Query) =>
  get<{ total_num: number; rule_list: RuleGroup[] }>(`/v5/{project_id}/common/tasks/${encodeURIComponent(taskId)}/result-groups`, { ...epQuery(), ...filter, ...page, group_by: 'rule' });
export const listObjectGroups = (taskId: string, filter: ResultFilter, page: Query) =>
  get<{ total_num: number; resource_list: ObjectGroup[] }>(`/v5/{project_id}/common/tasks/${encodeURIComponent(taskId)}/result-groups`, { ...epQuery(), ...filter, ...page, group_by: 'resource' });

/** IaC files uploaded (HSS's multipart batch upload). */
export async function uploadIacFiles(files: File[], fileType: string): Promise<Array<{ file_id: string; file_name: string; file_type: string }>> {
  const form = new FormData();
  form.set('file_type', fileType);
  for (const f of files) form.append('file', f, f.name);
  const response = await request('POST', '/v5/{project_id}/common/files/batch-upload', { rawBody: form, query: epQuery() });
  return ((await response.json()) as { data_list: Array<{ file_id: string; file_name: string; file_type: string }> }).data_list;
}

export interface Cluster {
  id: string;
  name: string;
  source: string;
  enterprise_project_id: string;
  created_at: number;
}

export const listClusters = (page: Query) => get<HssList<Cluster>>('/v5/{project_id}/openhss/clusters', { ...epQuery(), ...page });
export const registerCluster = (body: { name: string; kubeconfig?: string; snapshot?: Record<string, unknown> }) =>
  post<{ id: string; name: string; source: string }>('/v5/{project_id}/openhss/clusters', body, epQuery());
export const deleteCluster = (id: string) => del<null>(`/v5/{project_id}/openhss/clusters/${encodeURIComponent(id)}`, epQuery());

export interface JobSchedule {
  id: string;
  task_type: string;
  task_name: string;
  period: 'daily' | 'weekly';
  weekday: number;
  hour: number;
  minute: number;
  timezone_offset: number;
  next_run_time: number;
}

export const listSchedules = () => get<HssList<JobSchedule>>('/v5/{project_id}/openhss/job-schedules', epQuery());
export const createSchedule = (body: Record<string, unknown>) => post<{ id: string; next_run_time: number }>('/v5/{project_id}/openhss/job-schedules', body, epQuery());
export const deleteSchedule = (id: string) => del<null>(`/v5/{project_id}/openhss/job-schedules/${encodeURIComponent(id)}`, epQuery());

/**
 * The project and enterprise project a query is about, for its key: a
 * project or enterprise-project switch then fetches the new scope's data
 * instead of showing the old one's.
 */
export function useScope(): readonly [string, string] {
  const session = useSession();
  return [session?.project.id ?? '', session?.enterpriseProjectId ?? '0'] as const;
}
