import { randomUUID } from 'node:crypto';
import type { CommonTaskResourcesTable, CommonTasksTable } from '../../db/schema.js';
import type { ClusterScanType, CommonTaskType, IacFileType, ResourceOutcome, ResourceScanStatus, TaskResult, TriggerType } from '../../domain/common-task.js';
import { invalidParameter, notFound } from '../../domain/errors.js';
import type { CommonTaskFilter, CommonTaskRepository, ResourceCounts, ResourceFilter, ResultFilter, TaskResourceRow } from '../../repositories/common-task-repository.js';
import type { IacFileRepository } from '../../repositories/iac-file-repository.js';
import { decodeText } from '../../iac/text.js';
import type { ClusterService } from './cluster-service.js';

/** How a cluster is scanned: the cluster library behind an adapter (see ./cluster-scan-runner.ts). */
export interface ClusterScanRunner {
  scan(cluster: ClusterInput, scanTypes: ClusterScanType[], context: { projectId: string; signal?: AbortSignal }): Promise<ResourceOutcome>;
}

/** A cluster as a scan reads it: a kubeconfig (read-only client) or an offline snapshot. */
export interface ClusterInput {
  id: string;
  name: string;
  kubeconfig?: string;
  snapshot?: unknown;
}

/** How one IaC file is scanned (see ./iac-scan-runner.ts). */
export interface IacScanRunner {
  scan(file: { name: string; type: IacFileType; content: string }): ResourceOutcome;
}

export interface CreateTaskRequest {
  taskType: CommonTaskType;
  enterpriseProjectIds: string[];
  taskName?: string;
  triggerType?: TriggerType;
  clusterScanInfo?: { scanTypeList: ClusterScanType[]; rangeType: 'all_cluster' | 'specific_cluster'; clusterIdList?: string[] };
  iacScanInfo?: { fileType: IacFileType; fileIdList: string[] };
  /** Scheduled tasks: one per schedule and slot. */
  scheduleKey?: string;
}

export interface TaskView {
  task: CommonTasksTable;
  scanTypes: string[];
  counts: ResourceCounts;
  estimatedMinutes: number;
}

/** ListTaskResources's body (the SDK's ListTaskResourcesRequestBody). */
export interface TaskResourceQuery {
  taskType?: CommonTaskType;
  /** `scanning` also matches resources still waiting (HSS has no waiting state). */
  clusterScanInfo?: { scanStatus?: ResourceScanStatus; clusterName?: string; clusterId?: string; clusterType?: string };
  iacScanInfo?: { scanStatus?: ResourceScanStatus; fileName?: string; chartName?: string };
}

/** RetryTask's cluster_scan_info (the SDK's RetryTaskRequestBodyClusterScanInfo). */
export interface RetryRequest {
  rangeType: 'all_failed_cluster' | 'specific_cluster';
  /**
   * The failed clusters to scan again. A cluster's scan items run together
   * and fail together, so a named cluster is scanned again with every item
   * of the task; `scanTypeList` must name items of the task.
   */
  clusterInfoList?: Array<{ clusterId: string; scanTypeList?: ClusterScanType[] }>;
}

export type TaskStarter = (taskId: string) => Promise<void>;

/** Until a task has finished resources to time, a cluster is assumed to take a minute and a file a second. */
const DEFAULT_MS: Record<CommonTaskType, number> = { cluster_scan: 60_000, iac_scan: 1_000 };
/** A task still open this long after creation lost its job for good. */
const STALE_AFTER_MS = 6 * 3_600_000;

function summaryOf(results: readonly TaskResult[]): Record<string, unknown> {
  const byCategory: Record<string, Record<string, number>> = {};
  for (const r of results) {
    const c = (byCategory[r.category] ??= {});
    const key = r.status === 'failed' && !r.suppressed ? r.severity : r.suppressed ? 'suppressed' : r.status;
    c[key] = (c[key] ?? 0) + 1;
  }
  return byCategory;
}

/**
 * HSS's common task framework (the jobs list, CreateTask, ListTaskResources,
 * RetryTask, task statistics) for cluster and IaC scans: one task model,
 * its resources (clusters or files) scanned one by one by a queue job, each
 * with its outcome and results.
 */
export class CommonTaskService {
  private starter: TaskStarter | undefined;

  constructor(
    private readonly tasks: CommonTaskRepository,
    private readonly clusters: ClusterService,
    private readonly files: IacFileRepository,
    private readonly runners: { cluster: ClusterScanRunner; iac: IacScanRunner },
    private readonly now: () => number,
  ) {}

  useStarter(starter: TaskStarter): void {
    this.starter = starter;
  }

  /** Creates a task (ready) and queues it; null for a scheduled slot that already has its task. */
  async create(projectId: string, request: CreateTaskRequest): Promise<string | null> {
    const now = this.now();
    const id = randomUUID();
    let resources: Array<{ id: string; name: string }>;
    let scanTypes: string[] = [];
    let fileType: string | null = null;
    if (request.taskType === 'cluster_scan') {
      if (request.iacScanInfo) throw invalidParameter('iac_scan_info', 'iac_scan_info belongs to iac_scan tasks; a cluster_scan task takes cluster_scan_info');
      const info = request.clusterScanInfo;
      if (!info) throw invalidParameter('cluster_scan_info', 'a cluster_scan task needs cluster_scan_info (scan_type_list, range_type)');
      scanTypes = [...new Set(info.scanTypeList)].sort();
      if (scanTypes.length === 0) throw invalidParameter('cluster_scan_info.scan_type_list', 'scan_type_list names no scan item');
      resources = await this.clusters.selection(projectId, request.enterpriseProjectIds, info.rangeType, info.clusterIdList);
    } else {
      if (request.clusterScanInfo) throw invalidParameter('cluster_scan_info', 'cluster_scan_info belongs to cluster_scan tasks; an iac_scan task takes iac_scan_info');
      const info = request.iacScanInfo;
      if (!info) throw invalidParameter('iac_scan_info', 'an iac_scan task needs iac_scan_info (file_type, file_id_list)');
      fileType = info.fileType;
      resources = await this.iacSelection(projectId, info.fileType, info.fileIdList);
    }
    const task: CommonTasksTable = {
      id,
      project_id: projectId,
      enterprise_project_id: request.enterpriseProjectIds[0] ?? '0',
      task_type: request.taskType,
      task_name: request.taskName ?? `${request.taskType}_${new Date(now).toISOString().replace(/[-:]/g, '').slice(0, 15)}`,
      trigger_type: request.triggerType ?? 'manual',
      task_status: 'ready',
      file_type: fileType,
      create_time: now,
      start_time: null,
      end_time: null,
      schedule_key: request.scheduleKey ?? null,
    };
    if (!(await this.tasks.create({ task, scanTypes, resources }))) return null;
    await this.starter?.(id);
    return id;
  }

  private async iacSelection(projectId: string, fileType: IacFileType, ids: readonly string[]): Promise<Array<{ id: string; name: string }>> {
    const wanted = [...new Set(ids)];
    if (wanted.length === 0) throw invalidParameter('iac_scan_info.file_id_list', 'file_id_list names no file');
    const found = await this.files.find(projectId, wanted);
    const missing = wanted.filter((id) => !found.some((f) => f.id === id));
    if (missing.length > 0) throw notFound(`iac_scan_info.file_id_list: files ${missing.join(', ')} not found`);
    const other = found.filter((f) => f.file_type !== fileType);
    if (other.length > 0) throw invalidParameter('iac_scan_info.file_id_list', `files ${other.map((f) => f.id).join(', ')} are not of file_type ${fileType}`);
    return found.map((f) => ({ id: f.id, name: f.file_name }));
  }

  async list(filter: CommonTaskFilter, page: { offset: number; limit: number }, direction: 'asc' | 'desc'): Promise<{ total: number; views: TaskView[] }> {
    const { total, tasks } = await this.tasks.list(filter, page, direction);
    return { total, views: await this.views(tasks) };
  }

  async get(projectId: string, taskId: string): Promise<TaskView> {
    const task = await this.tasks.get(projectId, taskId);
    if (!task) throw notFound(`task ${taskId} not found`);
    return (await this.views([task]))[0]!;
  }

  private async views(tasks: readonly CommonTasksTable[]): Promise<TaskView[]> {
    const ids = tasks.map((t) => t.id);
    const [types, counts] = await Promise.all([this.tasks.scanTypes(ids), this.tasks.counts(ids)]);
    return tasks.map((task) => {
      const c = counts.get(task.id)!;
      const open = task.task_status === 'finished' ? 0 : c.waiting + c.scanning;
      const perResource = c.meanMs ?? DEFAULT_MS[task.task_type as CommonTaskType];
      return { task, scanTypes: types.get(task.id) ?? [], counts: c, estimatedMinutes: Math.ceil((open * perResource) / 60_000) };
    });
  }

  /**
   * ListTaskResources, with the SDK model's filters: `taskType` (when given)
   * must be the task's, and only the info of the task's type may be given.
   */
  async resources(projectId: string, taskId: string, query: TaskResourceQuery, page: { offset: number; limit: number }): Promise<{ view: TaskView; total: number; resources: TaskResourceRow[] }> {
    const view = await this.get(projectId, taskId);
    const type = view.task.task_type as CommonTaskType;
    if (query.taskType && query.taskType !== type) throw invalidParameter('task_type', `task_type: task ${taskId} is a ${type} task, not ${query.taskType}`);
    if (type === 'cluster_scan' && query.iacScanInfo) throw invalidParameter('iac_scan_info', 'iac_scan_info: filters iac_scan tasks; this is a cluster_scan task, filter it with cluster_scan_info');
    if (type === 'iac_scan' && query.clusterScanInfo) throw invalidParameter('cluster_scan_info', 'cluster_scan_info: filters cluster_scan tasks; this is an iac_scan task, filter it with iac_scan_info');
    const c = query.clusterScanInfo;
    const i = query.iacScanInfo;
    // openhss records no cluster provider and no Helm chart: such a filter matches no resource.
    if (c?.clusterType !== undefined || i?.chartName !== undefined) return { view, total: 0, resources: [] };
    const status = c?.scanStatus ?? i?.scanStatus;
    const name = c?.clusterName ?? i?.fileName;
    const filter: ResourceFilter = {
      // HSS has no waiting state: a resource not ended yet is scanning.
      ...(status ? { scanStatuses: status === 'scanning' ? ['waiting', 'scanning'] : [status] } : {}),
      ...(c?.clusterId ? { resourceId: c.clusterId } : {}),
      ...(name ? { nameContains: name } : {}),
    };
    return { view, ...(await this.tasks.resources(taskId, filter, page)) };
  }

  async results(projectId: string, taskId: string, filter: ResultFilter, page: { offset: number; limit: number }) {
    await this.get(projectId, taskId);
    return this.tasks.results(taskId, filter, page);
  }

  /** A task's results counted by rule or by object (see CommonTaskRepository.resultGroups). */
  async resultGroups(projectId: string, taskId: string, by: 'rule' | 'resource', filter: ResultFilter, page: { offset: number; limit: number }) {
    await this.get(projectId, taskId);
    return this.tasks.resultGroups(taskId, by, filter, page);
  }

  /**
   * RetryTask: a finished cluster scan runs failed clusters again, every one
   * (all_failed_cluster, or no body) or the ones named (specific_cluster).
   */
  async retry(projectId: string, taskId: string, request: RetryRequest = { rangeType: 'all_failed_cluster' }): Promise<number> {
    const { task, scanTypes } = await this.get(projectId, taskId);
    if (task.task_type !== 'cluster_scan') throw invalidParameter('task_id', 'only cluster_scan tasks can be retried');
    if (task.task_status !== 'finished') throw invalidParameter('task_id', `the task is ${task.task_status}; only a finished task can be retried`);
    let ids: string[] | undefined;
    if (request.rangeType === 'specific_cluster') {
      const list = request.clusterInfoList ?? [];
      if (list.length === 0) throw invalidParameter('cluster_scan_info.cluster_info_list', 'cluster_scan_info.cluster_info_list: range_type specific_cluster needs a list naming the failed clusters to scan again');
      const resources = new Map((await this.tasks.allResources(taskId)).map((r) => [r.resource_id, r]));
      for (const [n, item] of list.entries()) {
        const field = `cluster_scan_info.cluster_info_list[${n}]`;
        const resource = resources.get(item.clusterId);
        if (!resource) throw invalidParameter(`${field}.cluster_id`, `${field}.cluster_id: cluster ${item.clusterId} is not a cluster of task ${taskId}`);
        if (resource.scan_status !== 'failed') throw invalidParameter(`${field}.cluster_id`, `${field}.cluster_id: cluster ${item.clusterId} did not fail (it is ${resource.scan_status}); only failed clusters are scanned again`);
        const other = (item.scanTypeList ?? []).filter((s) => !scanTypes.includes(s));
        if (other.length > 0) throw invalidParameter(`${field}.scan_type_list`, `${field}.scan_type_list: task ${taskId} does not scan ${other.join(', ')}; it scans ${scanTypes.join(', ')}`);
      }
      ids = [...new Set(list.map((item) => item.clusterId))];
    } else if (request.clusterInfoList && request.clusterInfoList.length > 0) {
      throw invalidParameter('cluster_scan_info.cluster_info_list', 'cluster_scan_info.cluster_info_list: names clusters for range_type specific_cluster; all_failed_cluster scans every failed cluster again');
    }
    const n = await this.tasks.retryFailed(taskId, ids);
    if (n === 0) throw invalidParameter('task_id', ids ? 'none of the named clusters failed' : 'the task has no failed cluster to retry');
    await this.starter?.(taskId);
    return n;
  }

  async statistics(projectId: string, taskType: CommonTaskType, enterpriseProjectIds: string[] | null) {
    return this.tasks.statistics(projectId, taskType, enterpriseProjectIds);
  }

  /**
   * The `commontask.run` job: scans each resource not yet ended, one by one.
   * Safe to run again after a crash: ended resources are skipped, an
   * interrupted one is scanned afresh (its partial results replaced).
   */
  async runTask(taskId: string, signal?: AbortSignal): Promise<void> {
    const task = await this.tasks.getById(taskId);
    if (!task || task.task_status === 'finished') return;
    await this.tasks.start(taskId, this.now());
    const scanTypes = (await this.tasks.scanTypes([taskId])).get(taskId) ?? [];
    for (const resource of await this.tasks.allResources(taskId)) {
      if (resource.scan_status === 'success' || resource.scan_status === 'failed') continue;
      if (signal?.aborted) return;
      await this.tasks.startResource(taskId, resource.resource_id, this.now());
      let outcome: ResourceOutcome;
      try {
        outcome = await this.scanResource(task, resource, scanTypes, signal);
      } catch (err) {
        outcome = { status: 'failed', reason: (err as Error)?.message ?? String(err) };
      }
      const results = outcome.status === 'success' ? outcome.results : [];
      await this.tasks.finishResource(taskId, resource.resource_id, { status: outcome.status, reason: outcome.status === 'failed' ? outcome.reason : '', results, summary: summaryOf(results) }, this.now());
    }
    await this.tasks.finish(taskId, this.now());
  }

  private async scanResource(task: CommonTasksTable, resource: CommonTaskResourcesTable, scanTypes: string[], signal?: AbortSignal): Promise<ResourceOutcome> {
    if (task.task_type === 'cluster_scan') {
      const input = await this.clusters.input(task.project_id, resource.resource_id);
      if (!input) return { status: 'failed', reason: 'the cluster is no longer registered' };
      return this.runners.cluster.scan(input, scanTypes as ClusterScanType[], { projectId: task.project_id, ...(signal ? { signal } : {}) });
    }
    const file = await this.files.content(task.project_id, resource.resource_id);
    if (!file) return { status: 'failed', reason: 'the file is no longer stored' };
    return this.runners.iac.scan({ name: file.file_name, type: file.file_type as IacFileType, content: decodeText(file.content) });
  }

  /** Tasks whose job gave up (every try crashed) end, their open resources failed, so none stays running for good. */
  async sweep(): Promise<number> {
    const stale = await this.tasks.stale(this.now() - STALE_AFTER_MS);
    for (const id of stale) {
      await this.tasks.failOpenResources(id, 'the scan did not finish (its worker stopped)', this.now());
      await this.tasks.finish(id, this.now());
    }
    return stale.length;
  }

  /** Called when the job's last try failed. */
  async giveUp(taskId: string, reason: string): Promise<void> {
    await this.tasks.failOpenResources(taskId, reason, this.now());
    await this.tasks.finish(taskId, this.now());
  }
}
