import { sql, type Kysely } from 'kysely';
import type { CommonTaskResourcesTable, CommonTaskResultsTable, CommonTasksTable, DB } from '../db/schema.js';
import type { CommonTaskStatus, CommonTaskType, ResourceScanStatus, TaskResult, TriggerType } from '../domain/common-task.js';

export interface CommonTaskFilter {
  projectId: string;
  /** null: every enterprise project. */
  enterpriseProjectIds: string[] | null;
  taskType: CommonTaskType;
  taskId?: string;
  /** Case-insensitive substring. */
  taskName?: string;
  createdFrom?: number;
  createdTo?: number;
  triggerType?: TriggerType;
  taskStatus?: CommonTaskStatus;
  /** Tasks that scan every one of these items. */
  scanTypes?: string[];
  fileType?: string;
}

export interface ResourceCounts {
  total: number;
  waiting: number;
  scanning: number;
  success: number;
  failed: number;
  /** Mean milliseconds a finished resource took, when any finished. */
  meanMs: number | null;
}

/** What a task's results are filtered on. */
export interface ResultFilter {
  resourceId?: string;
  category?: string;
  status?: string;
  severity?: string;
  checkId?: string;
  /** The Kubernetes object (or '' kind/namespace/name for a Dockerfile or a cluster-wide result). */
  object?: { kind: string; namespace: string; name: string };
}

interface GroupCounts {
  total: number;
  /** Failed and not suppressed. */
  failed: number;
  passed: number;
  notEvaluated: number;
  suppressed: number;
  failedBySeverity: { critical: number; high: number; medium: number; low: number };
}

/** A task's results counted by rule or by object. */
export type ResultGroupRow =
  | ({ kind: 'rule'; checkId: string; category: string; severity: string; title: string; objects: number } & GroupCounts)
  | ({ kind: 'resource'; resourceId: string; resourceName: string; object: { kind: string; namespace: string; name: string }; file: string; rules: number } & GroupCounts);

/** What ListTaskResources filters on. */
export interface ResourceFilter {
  scanStatuses?: ResourceScanStatus[];
  resourceId?: string;
  /** Case-insensitive substring of the cluster or file name. */
  nameContains?: string;
}

/** A resource of a task, with the size of the file for IaC tasks. */
export type TaskResourceRow = CommonTaskResourcesTable & { file_size: number | null };

export interface NewTask {
  task: CommonTasksTable;
  scanTypes: string[];
  resources: Array<{ id: string; name: string }>;
}

const escapeLike = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Tasks of the common framework, their scan items, resources and results. */
export class CommonTaskRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Creates the task with its items and resources; false when a scheduled task for the same slot exists. */
  async create({ task, scanTypes, resources }: NewTask): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx.insertInto('common_tasks').values(task).onConflict((oc) => oc.column('schedule_key').doNothing()).executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1) return false;
      if (scanTypes.length > 0) await trx.insertInto('common_task_scan_types').values(scanTypes.map((scan_type) => ({ task_id: task.id, scan_type }))).execute();
      for (let i = 0; i < resources.length; i += 200) {
        await trx
          .insertInto('common_task_resources')
          .values(
            resources.slice(i, i + 200).map((r) => ({
              task_id: task.id,
              resource_id: r.id,
              project_id: task.project_id,
              resource_name: r.name,
              scan_status: 'waiting',
              failed_reason: '',
              started_at: null,
              finished_at: null,
              summary: '{}',
            })),
          )
          .execute();
      }
      return true;
    });
  }

  private filtered(f: CommonTaskFilter) {
    let q = this.db.selectFrom('common_tasks').where('common_tasks.project_id', '=', f.projectId).where('common_tasks.task_type', '=', f.taskType);
    if (f.enterpriseProjectIds) q = q.where('common_tasks.enterprise_project_id', 'in', f.enterpriseProjectIds.length > 0 ? f.enterpriseProjectIds : ['']);
    if (f.taskId) q = q.where('common_tasks.id', '=', f.taskId);
    if (f.taskName) q = q.where(sql<string>`lower(common_tasks.task_name)`, 'like', sql<string>`${escapeLike(f.taskName)} escape '\\'`);
    if (f.createdFrom !== undefined) q = q.where('common_tasks.create_time', '>=', f.createdFrom);
    if (f.createdTo !== undefined) q = q.where('common_tasks.create_time', '<=', f.createdTo);
    if (f.triggerType) q = q.where('common_tasks.trigger_type', '=', f.triggerType);
    if (f.taskStatus) q = q.where('common_tasks.task_status', '=', f.taskStatus);
    if (f.fileType) q = q.where('common_tasks.file_type', '=', f.fileType);
    const wanted = [...new Set(f.scanTypes ?? [])];
    if (wanted.length > 0) {
      q = q.where((eb) =>
        eb(
          eb
            .selectFrom('common_task_scan_types')
            .select((e) => e.fn.countAll<number>().as('n'))
            .whereRef('common_task_scan_types.task_id', '=', 'common_tasks.id')
            .where('common_task_scan_types.scan_type', 'in', wanted),
          '=',
          wanted.length,
        ),
      );
    }
    return q;
  }

  async list(f: CommonTaskFilter, page: { offset: number; limit: number }, direction: 'asc' | 'desc'): Promise<{ total: number; tasks: CommonTasksTable[] }> {
    const { n } = await this.filtered(f).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const tasks = await this.filtered(f)
      .selectAll('common_tasks')
      // A task that has not started yet sorts by when it was created.
      .orderBy(sql`coalesce(common_tasks.start_time, common_tasks.create_time)`, direction)
      .orderBy('common_tasks.id', direction)
      .offset(page.offset)
      .limit(page.limit)
      .execute();
    return { total: Number(n), tasks };
  }

  async get(projectId: string, id: string): Promise<CommonTasksTable | null> {
    return (await this.db.selectFrom('common_tasks').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async getById(id: string): Promise<CommonTasksTable | null> {
    return (await this.db.selectFrom('common_tasks').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async scanTypes(taskIds: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (taskIds.length === 0) return out;
    const rows = await this.db.selectFrom('common_task_scan_types').selectAll().where('task_id', 'in', [...taskIds]).orderBy('scan_type').execute();
    for (const r of rows) out.set(r.task_id, [...(out.get(r.task_id) ?? []), r.scan_type]);
    return out;
  }

  async counts(taskIds: readonly string[]): Promise<Map<string, ResourceCounts>> {
    const out = new Map<string, ResourceCounts>();
    if (taskIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('common_task_resources')
      .select([
        'task_id',
        'scan_status',
        (eb) => eb.fn.countAll<number>().as('n'),
        (eb) => eb.fn.sum<number>(sql`case when finished_at is not null and started_at is not null then finished_at - started_at else 0 end`).as('ms'),
      ])
      .where('task_id', 'in', [...taskIds])
      .groupBy(['task_id', 'scan_status'])
      .execute();
    for (const id of taskIds) out.set(id, { total: 0, waiting: 0, scanning: 0, success: 0, failed: 0, meanMs: null });
    const spent = new Map<string, number>();
    for (const r of rows) {
      const c = out.get(r.task_id)!;
      const n = Number(r.n);
      c.total += n;
      c[r.scan_status as ResourceScanStatus] += n;
      spent.set(r.task_id, (spent.get(r.task_id) ?? 0) + Number(r.ms ?? 0));
    }
    for (const [id, c] of out) if (c.success + c.failed > 0) c.meanMs = (spent.get(id) ?? 0) / (c.success + c.failed);
    return out;
  }

  async resources(taskId: string, filter: ResourceFilter, page: { offset: number; limit: number }): Promise<{ total: number; resources: TaskResourceRow[] }> {
    let q = this.db.selectFrom('common_task_resources').leftJoin('iac_files', (j) => j.onRef('iac_files.id', '=', 'common_task_resources.resource_id').onRef('iac_files.project_id', '=', 'common_task_resources.project_id')).where('common_task_resources.task_id', '=', taskId);
    if (filter.scanStatuses) q = q.where('common_task_resources.scan_status', 'in', filter.scanStatuses);
    if (filter.resourceId) q = q.where('common_task_resources.resource_id', '=', filter.resourceId);
    if (filter.nameContains) q = q.where(sql<string>`lower(common_task_resources.resource_name)`, 'like', sql<string>`${escapeLike(filter.nameContains)} escape '\\'`);
    const { n } = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const resources = await q
      .selectAll('common_task_resources')
      .select('iac_files.size as file_size')
      .orderBy('common_task_resources.resource_name')
      .orderBy('common_task_resources.resource_id')
      .offset(page.offset)
      .limit(page.limit)
      .execute();
    return { total: Number(n), resources: resources.map((r) => ({ ...r, file_size: r.file_size === null ? null : Number(r.file_size) })) };
  }

  async allResources(taskId: string): Promise<CommonTaskResourcesTable[]> {
    return this.db.selectFrom('common_task_resources').selectAll().where('task_id', '=', taskId).orderBy('resource_name').orderBy('resource_id').execute();
  }

  /** ready → running; false when another worker already started it or it ended. */
  async start(taskId: string, now: number): Promise<void> {
    await this.db.updateTable('common_tasks').set({ task_status: 'running', start_time: now }).where('id', '=', taskId).where('task_status', '=', 'ready').execute();
  }

  async startResource(taskId: string, resourceId: string, now: number): Promise<void> {
    await this.db.updateTable('common_task_resources').set({ scan_status: 'scanning', started_at: now, failed_reason: '' }).where('task_id', '=', taskId).where('resource_id', '=', resourceId).execute();
  }

  /** Stores a resource's outcome and results, replacing what an interrupted earlier try left. */
  async finishResource(taskId: string, resourceId: string, outcome: { status: 'success' | 'failed'; reason: string; results: TaskResult[]; summary: Record<string, unknown> }, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('common_task_results').where('task_id', '=', taskId).where('resource_id', '=', resourceId).execute();
      const rows: CommonTaskResultsTable[] = outcome.results.map((r, seq) => ({
        task_id: taskId,
        resource_id: resourceId,
        seq,
        category: r.category,
        check_id: r.checkId,
        severity: r.severity,
        status: r.status,
        title: r.title,
        message: r.message,
        file: r.file,
        start_line: r.startLine,
        end_line: r.endLine,
        resource_kind: r.resource.kind,
        resource_namespace: r.resource.namespace,
        resource_name: r.resource.name,
        suppressed: r.suppressed ? 1 : 0,
        suppress_reason: r.suppressed?.reason ?? '',
        detail: JSON.stringify(r.detail),
      }));
      for (let i = 0; i < rows.length; i += 100) await trx.insertInto('common_task_results').values(rows.slice(i, i + 100)).execute();
      await trx
        .updateTable('common_task_resources')
        .set({ scan_status: outcome.status, failed_reason: outcome.reason, finished_at: now, summary: JSON.stringify(outcome.summary) })
        .where('task_id', '=', taskId)
        .where('resource_id', '=', resourceId)
        .execute();
    });
  }

  /** Resources not yet ended fail with the reason (a task given up on). */
  async failOpenResources(taskId: string, reason: string, now: number): Promise<void> {
    await this.db
      .updateTable('common_task_resources')
      .set({ scan_status: 'failed', failed_reason: reason, finished_at: now })
      .where('task_id', '=', taskId)
      .where('scan_status', 'in', ['waiting', 'scanning'])
      .execute();
  }

  async finish(taskId: string, now: number): Promise<void> {
    await this.db.updateTable('common_tasks').set({ task_status: 'finished', end_time: now }).where('id', '=', taskId).where('task_status', '<>', 'finished').execute();
  }

  /** A finished cluster task runs again: its failed resources (all, or those of `resourceIds`) wait, the task is ready. */
  async retryFailed(taskId: string, resourceIds?: readonly string[]): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      let q = trx.updateTable('common_task_resources').set({ scan_status: 'waiting', failed_reason: '', started_at: null, finished_at: null }).where('task_id', '=', taskId).where('scan_status', '=', 'failed');
      if (resourceIds) q = q.where('resource_id', 'in', resourceIds.length > 0 ? [...resourceIds] : ['']);
      const n = Number((await q.executeTakeFirst()).numUpdatedRows);
      if (n > 0) await trx.updateTable('common_tasks').set({ task_status: 'ready', end_time: null }).where('id', '=', taskId).execute();
      return n;
    });
  }

  async results(taskId: string, filter: ResultFilter, page: { offset: number; limit: number }): Promise<{ total: number; results: CommonTaskResultsTable[] }> {
    const q = this.filteredResults(taskId, filter);
    const { n } = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const results = await q.selectAll().orderBy('resource_id').orderBy('seq').offset(page.offset).limit(page.limit).execute();
    return { total: Number(n), results };
  }

  private filteredResults(taskId: string, filter: ResultFilter) {
    let q = this.db.selectFrom('common_task_results').where('task_id', '=', taskId);
    if (filter.resourceId) q = q.where('resource_id', '=', filter.resourceId);
    if (filter.category) q = q.where('category', '=', filter.category);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.severity) q = q.where('severity', '=', filter.severity);
    if (filter.checkId !== undefined) q = q.where('check_id', '=', filter.checkId);
    if (filter.object) q = q.where('resource_kind', '=', filter.object.kind).where('resource_namespace', '=', filter.object.namespace).where('resource_name', '=', filter.object.name);
    return q;
  }

  /**
   * A task's results counted by rule (check id and category) or by object
   * (the scanned cluster or file and the Kubernetes object or Dockerfile in
   * it), most failures first, a page of groups at a time.
   */
  async resultGroups(taskId: string, by: 'rule' | 'resource', filter: ResultFilter, page: { offset: number; limit: number }): Promise<{ total: number; groups: ResultGroupRow[] }> {
    const base = this.filteredResults(taskId, filter);
    const open = sql<number>`sum(case when status = 'failed' and suppressed = 0 then 1 else 0 end)`;
    const counts = [
      sql<number>`count(*)`.as('total'),
      open.as('failed'),
      sql<number>`sum(case when status = 'passed' then 1 else 0 end)`.as('passed'),
      sql<number>`sum(case when status = 'not_evaluated' then 1 else 0 end)`.as('not_evaluated'),
      sql<number>`sum(case when suppressed = 1 then 1 else 0 end)`.as('suppressed'),
      ...(['critical', 'high', 'medium', 'low'] as const).map((s) => sql<number>`sum(case when status = 'failed' and suppressed = 0 and lower(severity) = ${s} then 1 else 0 end)`.as(`failed_${s}`)),
    ];
    const num = (v: unknown) => Number(v ?? 0);
    const countsOf = (r: Record<string, unknown>) => ({
      total: num(r.total),
      failed: num(r.failed),
      passed: num(r.passed),
      notEvaluated: num(r.not_evaluated),
      suppressed: num(r.suppressed),
      failedBySeverity: { critical: num(r.failed_critical), high: num(r.failed_high), medium: num(r.failed_medium), low: num(r.failed_low) },
    });
    if (by === 'rule') {
      const grouped = base.groupBy(['check_id', 'category']);
      const { n } = await this.db.selectFrom(grouped.select(['check_id', 'category']).as('g')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await grouped
        .select(['check_id', 'category', sql<string>`max(severity)`.as('severity'), sql<string>`max(title)`.as('title'), ...counts])
        .select(sql<number>`count(distinct resource_id || '/' || resource_kind || '/' || resource_namespace || '/' || resource_name)`.as('objects'))
        .orderBy(open, 'desc')
        .orderBy('check_id')
        .orderBy('category')
        .offset(page.offset)
        .limit(page.limit)
        .execute();
      return {
        total: Number(n),
        groups: rows.map((r) => ({ kind: 'rule' as const, checkId: r.check_id, category: r.category, severity: r.severity, title: r.title, objects: num(r.objects), ...countsOf(r) })),
      };
    }
    const keys = ['resource_id', 'resource_kind', 'resource_namespace', 'resource_name'] as const;
    const grouped = base.groupBy([...keys]);
    const { n } = await this.db.selectFrom(grouped.select([...keys]).as('g')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await grouped
      .select([...keys, sql<string>`max(file)`.as('file'), ...counts])
      .select(sql<number>`count(distinct check_id)`.as('rules'))
      .orderBy(open, 'desc')
      .orderBy('resource_id')
      .orderBy('resource_kind')
      .orderBy('resource_namespace')
      .orderBy('resource_name')
      .offset(page.offset)
      .limit(page.limit)
      .execute();
    // The scanned cluster's or file's name, for every group of the page.
    const ids = [...new Set(rows.map((r) => r.resource_id))];
    const names = new Map(
      ids.length === 0
        ? []
        : (await this.db.selectFrom('common_task_resources').select(['resource_id', 'resource_name']).where('task_id', '=', taskId).where('resource_id', 'in', ids).execute()).map((r) => [r.resource_id, r.resource_name] as const),
    );
    return {
      total: Number(n),
      groups: rows.map((r) => ({
        kind: 'resource' as const,
        resourceId: r.resource_id,
        resourceName: names.get(r.resource_id) ?? '',
        object: { kind: r.resource_kind, namespace: r.resource_namespace, name: r.resource_name },
        file: r.file,
        rules: num(r.rules),
        ...countsOf(r),
      })),
    };
  }

  async statistics(projectId: string, taskType: CommonTaskType, enterpriseProjectIds: string[] | null): Promise<{ total: number; running: number; lastStart: number | null }> {
    let q = this.db.selectFrom('common_tasks').where('project_id', '=', projectId).where('task_type', '=', taskType);
    if (enterpriseProjectIds) q = q.where('enterprise_project_id', 'in', enterpriseProjectIds.length > 0 ? enterpriseProjectIds : ['']);
    const row = await q
      .select([
        (eb) => eb.fn.countAll<number>().as('total'),
        (eb) => eb.fn.sum<number>(sql`case when task_status = 'running' then 1 else 0 end`).as('running'),
        (eb) => eb.fn.max<number>('start_time').as('last_start'),
      ])
      .executeTakeFirstOrThrow();
    return { total: Number(row.total), running: Number(row.running ?? 0), lastStart: row.last_start === null ? null : Number(row.last_start) };
  }

  /** Tasks still ready or running long after they were created: their jobs died for good. */
  async stale(createdBefore: number): Promise<string[]> {
    return (await this.db.selectFrom('common_tasks').select('id').where('task_status', 'in', ['ready', 'running']).where('create_time', '<', createdBefore).execute()).map((r) => r.id);
  }
}
