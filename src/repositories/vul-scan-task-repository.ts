import type { Kysely, Selectable } from 'kysely';
import type { DB, VulScanTasksTable } from '../db/schema.js';
import type { AssetValue } from '../domain/host.js';
import type { VulType } from '../domain/vulnerability.js';
import type { FailedReason, HostScanStatus, ScanTaskType, VulScanTask } from '../domain/vul-scan-task.js';

export interface NewTaskHost {
  hostId: string;
  scanStatus: HostScanStatus;
  failedReasons: FailedReason[];
}

export interface TaskFilter {
  scanType?: ScanTaskType;
  taskId?: string;
  minStartTime?: number;
  maxStartTime?: number;
}

export interface TaskHostRow {
  hostId: string;
  hostName: string;
  privateIp: string;
  publicIp: string;
  assetValue: AssetValue;
  scanStatus: HostScanStatus;
  failedReasons: FailedReason[];
}

/** A host still scanning in a running task, with what decides its fate. */
export interface WaitingHost {
  taskId: string;
  projectId: string;
  hostId: string;
  commandId: string | null;
  startedAt: number;
  deadline: number;
  lastSeenAt: number;
  inventoryAt: number | null;
}

export interface HostOutcome {
  hostId: string;
  status: 'success' | 'failed';
  failedReasons: FailedReason[];
}

const CHUNK = 500;
const DAY_MS = 86_400_000;
/** Offsets up to this are skipped through directly; deeper pages seek by day first. */
const SEEK_FROM_OFFSET = 1000;

/** Vulnerability scan tasks and the per-host state within them. */
export class VulScanTaskRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /**
   * Creates the task with its hosts in one transaction. A scheduled task
   * whose (project, slot) already exists is not created: returns false.
   */
  async insert(task: VulScanTask, hosts: NewTaskHost[]): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto('vul_scan_tasks')
        .values({
          id: task.id,
          project_id: task.projectId,
          scan_type: task.scanType,
          scan_vul_types: JSON.stringify(task.scanVulTypes),
          urgent_vul_ids: JSON.stringify(task.urgentVulIds),
          status: task.status,
          start_time: task.startTime,
          end_time: task.endTime,
          host_num: task.hostNum,
          scanning_host_num: task.scanningHostNum,
          success_host_num: task.successHostNum,
          failed_host_num: task.failedHostNum,
          schedule_slot: task.scheduleSlot,
          deadline: task.deadline,
        })
        .onConflict((oc) => oc.columns(['project_id', 'schedule_slot']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
      for (let i = 0; i < hosts.length; i += CHUNK) {
        await tx
          .insertInto('vul_scan_task_hosts')
          .values(
            hosts.slice(i, i + CHUNK).map((h) => ({
              task_id: task.id,
              host_id: h.hostId,
              project_id: task.projectId,
              scan_status: h.scanStatus,
              failed_reasons: JSON.stringify(h.failedReasons),
              command_id: null,
              started_at: task.startTime,
              finished_at: h.scanStatus === 'scanning' ? null : task.startTime,
            })),
          )
          .execute();
      }
      return true;
    });
  }

  async find(projectId: string, taskId: string): Promise<VulScanTask | undefined> {
    const row = await this.db.selectFrom('vul_scan_tasks').selectAll().where('project_id', '=', projectId).where('id', '=', taskId).executeTakeFirst();
    return row && toTask(row);
  }

  async findById(taskId: string): Promise<VulScanTask | undefined> {
    const row = await this.db.selectFrom('vul_scan_tasks').selectAll().where('id', '=', taskId).executeTakeFirst();
    return row && toTask(row);
  }

  private filtered(projectId: string, filter: TaskFilter) {
    let query = this.db.selectFrom('vul_scan_tasks').where('project_id', '=', projectId);
    if (filter.scanType) query = query.where('scan_type', '=', filter.scanType);
    if (filter.taskId) query = query.where('id', '=', filter.taskId);
    if (filter.minStartTime !== undefined) query = query.where('start_time', '>=', filter.minStartTime);
    if (filter.maxStartTime !== undefined) query = query.where('start_time', '<=', filter.maxStartTime);
    return query;
  }

  async list(projectId: string, filter: TaskFilter, page: { offset: number; limit: number }): Promise<{ total: number; tasks: VulScanTask[] }> {
    const total = await this.count(projectId, filter);
    if (page.offset >= total) return { total, tasks: [] };
    let query = this.filtered(projectId, filter);
    let offset = page.offset;
    // A deep page starts from the day it falls in, found from the day totals, instead of skipping every newer task.
    if (offset > SEEK_FROM_OFFSET && filter.taskId === undefined && filter.minStartTime === undefined && filter.maxStartTime === undefined) {
      const days = await this.days(projectId, filter.scanType).orderBy('day', 'desc').execute();
      let newer = 0;
      for (const { day, n } of days) {
        if (newer + Number(n) > offset) {
          query = query.where('start_time', '<', (Number(day) + 1) * DAY_MS);
          offset -= newer;
          break;
        }
        newer += Number(n);
      }
    }
    const rows = await query.selectAll().orderBy('start_time', 'desc').orderBy('id', 'desc').offset(offset).limit(page.limit).execute();
    return { total, tasks: rows.map(toTask) };
  }

  /** Tasks per UTC day (trigger-kept), summed over scan types unless one is given. */
  private days(projectId: string, scanType: ScanTaskType | undefined) {
    let query = this.db.selectFrom('vul_scan_task_days').where('project_id', '=', projectId);
    if (scanType) query = query.where('scan_type', '=', scanType);
    return query.select(['day', (eb) => eb.fn.sum<number>('n').as('n')]).groupBy('day');
  }

  /**
   * total_num: whole days inside the filter from the day totals, the partial
   * days at its edges (at most two) by counting; a task id is counted directly.
   */
  private async count(projectId: string, filter: TaskFilter): Promise<number> {
    const countRows = async (f: TaskFilter) => Number((await this.filtered(projectId, f).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    if (filter.taskId !== undefined) return countRows(filter);
    const min = filter.minStartTime;
    const max = filter.maxStartTime;
    const firstWholeDay = min === undefined ? undefined : Math.ceil(min / DAY_MS);
    const lastWholeDay = max === undefined ? undefined : Math.floor((max + 1) / DAY_MS) - 1;
    if (firstWholeDay !== undefined && lastWholeDay !== undefined && firstWholeDay > lastWholeDay) return countRows(filter);
    let whole = this.db.selectFrom('vul_scan_task_days').where('project_id', '=', projectId).select((eb) => eb.fn.sum<number>('n').as('n'));
    if (filter.scanType) whole = whole.where('scan_type', '=', filter.scanType);
    if (firstWholeDay !== undefined) whole = whole.where('day', '>=', firstWholeDay);
    if (lastWholeDay !== undefined) whole = whole.where('day', '<=', lastWholeDay);
    let total = Number((await whole.executeTakeFirst())?.n ?? 0);
    const scanType = filter.scanType ? { scanType: filter.scanType } : {};
    if (min !== undefined && firstWholeDay! * DAY_MS > min) total += await countRows({ ...scanType, minStartTime: min, maxStartTime: firstWholeDay! * DAY_MS - 1 });
    if (max !== undefined && (lastWholeDay! + 1) * DAY_MS <= max) total += await countRows({ ...scanType, minStartTime: (lastWholeDay! + 1) * DAY_MS, maxStartTime: max });
    return total;
  }

  async listHosts(taskId: string, scanStatus: HostScanStatus | undefined, page: { offset: number; limit: number }): Promise<{ total: number; hosts: TaskHostRow[] }> {
    let query = this.db.selectFrom('vul_scan_task_hosts as t').innerJoin('hosts as h', 'h.id', 't.host_id').where('t.task_id', '=', taskId);
    if (scanStatus) query = query.where('t.scan_status', '=', scanStatus);
    const total = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await query
      .select(['t.host_id', 'h.host_name', 'h.private_ip', 'h.public_ip', 'h.asset_value', 't.scan_status', 't.failed_reasons'])
      .orderBy('h.host_name')
      .orderBy('t.host_id')
      .offset(page.offset)
      .limit(page.limit)
      .execute();
    return {
      total: Number(total.n),
      hosts: rows.map((r) => ({
        hostId: r.host_id,
        hostName: r.host_name,
        privateIp: r.private_ip,
        publicIp: r.public_ip,
        assetValue: r.asset_value as AssetValue,
        scanStatus: r.scan_status as HostScanStatus,
        failedReasons: JSON.parse(r.failed_reasons) as FailedReason[],
      })),
    };
  }

  async scanningHostIds(taskId: string): Promise<Array<{ hostId: string; commandId: string | null }>> {
    const rows = await this.db.selectFrom('vul_scan_task_hosts').select(['host_id', 'command_id']).where('task_id', '=', taskId).where('scan_status', '=', 'scanning').execute();
    return rows.map((r) => ({ hostId: r.host_id, commandId: r.command_id }));
  }

  /** A slice of the task's hosts in host id order (a shard), with where each stands. */
  async hostSlice(taskId: string, offset: number, limit: number): Promise<Array<{ hostId: string; scanStatus: HostScanStatus; commandId: string | null }>> {
    const rows = await this.db
      .selectFrom('vul_scan_task_hosts')
      .select(['host_id', 'scan_status', 'command_id'])
      .where('task_id', '=', taskId)
      .orderBy('host_id')
      .offset(offset)
      .limit(limit)
      .execute();
    return rows.map((r) => ({ hostId: r.host_id, scanStatus: r.scan_status as HostScanStatus, commandId: r.command_id }));
  }

  async setCommand(taskId: string, hostId: string, commandId: string): Promise<void> {
    await this.db.updateTable('vul_scan_task_hosts').set({ command_id: commandId }).where('task_id', '=', taskId).where('host_id', '=', hostId).execute();
  }

  /** Hosts of running tasks that wait for an agent's inventory. */
  async waitingHosts(): Promise<WaitingHost[]> {
    const rows = await this.db
      .selectFrom('vul_scan_task_hosts as t')
      .innerJoin('vul_scan_tasks as k', 'k.id', 't.task_id')
      .innerJoin('hosts as h', 'h.id', 't.host_id')
      .select(['t.task_id', 'k.project_id', 't.host_id', 't.command_id', 't.started_at', 'k.deadline', 'h.last_seen_at', 'h.inventory_at'])
      .where('k.status', '=', 'running')
      .where('t.scan_status', '=', 'scanning')
      .where('t.command_id', 'is not', null)
      .execute();
    return rows.map((r) => ({
      taskId: r.task_id,
      projectId: r.project_id,
      hostId: r.host_id,
      commandId: r.command_id,
      startedAt: Number(r.started_at),
      deadline: Number(r.deadline),
      lastSeenAt: Number(r.last_seen_at),
      inventoryAt: r.inventory_at === null ? null : Number(r.inventory_at),
    }));
  }

  /** Running tasks, oldest first (for the monitor: deadlines and tasks whose job was lost). */
  async running(): Promise<VulScanTask[]> {
    const rows = await this.db.selectFrom('vul_scan_tasks').selectAll().where('status', '=', 'running').orderBy('start_time').execute();
    return rows.map(toTask);
  }

  /**
   * Moves hosts out of `scanning` and counts them into the task, in one
   * transaction. A host already decided is left alone, so a result reported
   * twice (a retried job, two workers) is counted once. Finishes the task
   * when no host is left scanning.
   */
  async finishHosts(taskId: string, outcomes: HostOutcome[], now: number): Promise<void> {
    if (outcomes.length === 0) return;
    const groups = new Map<string, { status: 'success' | 'failed'; reasons: string; hostIds: string[] }>();
    for (const o of outcomes) {
      const reasons = JSON.stringify(o.failedReasons);
      const key = `${o.status}\u0000${reasons}`;
      const group = groups.get(key) ?? { status: o.status, reasons, hostIds: [] };
      group.hostIds.push(o.hostId);
      groups.set(key, group);
    }
    await this.db.transaction().execute(async (tx) => {
      let success = 0;
      let failed = 0;
      for (const group of groups.values()) {
        for (let i = 0; i < group.hostIds.length; i += CHUNK) {
          const result = await tx
            .updateTable('vul_scan_task_hosts')
            .set({ scan_status: group.status, failed_reasons: group.reasons, finished_at: now })
            .where('task_id', '=', taskId)
            .where('scan_status', '=', 'scanning')
            .where('host_id', 'in', group.hostIds.slice(i, i + CHUNK))
            .executeTakeFirst();
          const n = Number(result.numUpdatedRows);
          if (group.status === 'success') success += n;
          else failed += n;
        }
      }
      if (success + failed === 0) return;
      await tx
        .updateTable('vul_scan_tasks')
        .set((eb) => ({
          scanning_host_num: eb('scanning_host_num', '-', success + failed),
          success_host_num: eb('success_host_num', '+', success),
          failed_host_num: eb('failed_host_num', '+', failed),
        }))
        .where('id', '=', taskId)
        .execute();
      await tx.updateTable('vul_scan_tasks').set({ status: 'finished', end_time: now }).where('id', '=', taskId).where('status', '=', 'running').where('scanning_host_num', '<=', 0).execute();
    });
  }

  /** A task with no host left to scan (e.g. every host failed at once) is finished. */
  async finishIfDone(taskId: string, now: number): Promise<boolean> {
    const result = await this.db.updateTable('vul_scan_tasks').set({ status: 'finished', end_time: now }).where('id', '=', taskId).where('status', '=', 'running').where('scanning_host_num', '<=', 0).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async msPerHost(projectId: string): Promise<number | undefined> {
    const row = await this.db.selectFrom('vul_scan_throughput').select('ms_per_host').where('project_id', '=', projectId).executeTakeFirst();
    return row?.ms_per_host;
  }

  /** Keeps a moving average of the time one host takes, from each finished batch. */
  async recordThroughput(projectId: string, msPerHost: number, now: number): Promise<void> {
    const previous = await this.msPerHost(projectId);
    const value = previous === undefined ? msPerHost : previous * 0.7 + msPerHost * 0.3;
    await this.db
      .insertInto('vul_scan_throughput')
      .values({ project_id: projectId, ms_per_host: value, updated_at: now })
      .onConflict((oc) => oc.column('project_id').doUpdateSet({ ms_per_host: value, updated_at: now }))
      .execute();
  }
}

function toTask(r: Selectable<VulScanTasksTable>): VulScanTask {
  return {
    id: r.id,
    projectId: r.project_id,
    scanType: r.scan_type as ScanTaskType,
    scanVulTypes: JSON.parse(r.scan_vul_types) as VulType[],
    urgentVulIds: JSON.parse(r.urgent_vul_ids) as string[],
    status: r.status as VulScanTask['status'],
    startTime: Number(r.start_time),
    endTime: r.end_time === null ? null : Number(r.end_time),
    hostNum: r.host_num,
    scanningHostNum: r.scanning_host_num,
    successHostNum: r.success_host_num,
    failedHostNum: r.failed_host_num,
    scheduleSlot: r.schedule_slot === null ? null : Number(r.schedule_slot),
    deadline: Number(r.deadline),
  };
}
