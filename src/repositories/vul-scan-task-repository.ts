import type { Kysely, Selectable } from 'kysely';
import type { DB, VulScanTasksTable } from '../db/schema.js';
import type { AssetValue } from '../domain/host.js';
import type { VulType } from '../domain/vulnerability.js';
import type { FailedReason, HostScanStatus, ScanTaskType, VulScanTask } from '../domain/vul-scan-task.js';
import { prepared } from '../db/prepared.js';
import { TASK_COUNT_ALL, TASK_COUNT_DAY, TASK_COUNT_HOUR, TASK_COUNT_WEEK } from '../db/migrations/0013_list_latency.js';

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
const HOUR_MS = 3_600_000;
/** Bounds of a time filter left open (epoch ms; the latest is JavaScript's last date). */
const NO_MIN = 0;
const NO_MAX = 8_640_000_000_000_000;
/** Offsets up to this are skipped through directly; deeper pages seek by week (without a time filter), day and hour first. */
const SEEK_FROM_OFFSET = 500;
/** A page further than this into a day finds its hour first. */
const HOUR_SEEK_FROM = 100;

const TASK_COLUMNS =
  'id, project_id, scan_type, scan_vul_types, urgent_vul_ids, status, start_time, end_time, host_num, scanning_host_num, success_host_num, failed_host_num, schedule_slot, deadline';
const ORDER = 'order by start_time desc, id desc limit ? offset ?';
const PAGE = prepared<Selectable<VulScanTasksTable>>(`select ${TASK_COLUMNS} from vul_scan_tasks where project_id = ? and start_time >= ? and start_time <= ? ${ORDER}`);
const PAGE_OF_TYPE = prepared<Selectable<VulScanTasksTable>>(
  `select ${TASK_COLUMNS} from vul_scan_tasks where project_id = ? and scan_type = ? and start_time >= ? and start_time <= ? ${ORDER}`,
);
const TOTAL = prepared<{ n: number }>(`select n from vul_scan_task_counts where project_id = ? and scan_type = ? and unit = ${TASK_COUNT_ALL} and slot = 0`);
const slotsOf = (unit: number, range: boolean) =>
  prepared<{ slot: number; n: number }>(
    `select slot, n from vul_scan_task_counts where project_id = ? and scan_type = ? and unit = ${unit}${range ? ' and slot between ? and ?' : ''} order by slot desc`,
  );
const WEEKS = slotsOf(TASK_COUNT_WEEK, false);
const DAYS = slotsOf(TASK_COUNT_DAY, true);
const HOURS = slotsOf(TASK_COUNT_HOUR, true);

/** The slot (newest first) the task `offset` tasks down falls in, and how many of its tasks come before it. */
function walk(rows: ReadonlyArray<{ slot: number; n: number }>, offset: number): { slot: number; skip: number } | undefined {
  let before = 0;
  for (const r of rows) {
    const n = Number(r.n);
    if (before + n > offset) return { slot: Number(r.slot), skip: offset - before };
    before += n;
  }
  return undefined;
}

/** Partial hours at the newest (head) and oldest (tail) end of a time range. */
const HEAD = -1;
const TAIL = -2;
/** The kept counts of a time range's whole days and hours, and its partial hours at both ends counted. */
const bucketsSql = (typed: boolean) => {
  const range = (unit: number) => `select ${unit} as unit, slot, n from vul_scan_task_counts where project_id = ? and scan_type = ? and unit = ${unit} and slot between ? and ?`;
  const partial = (tag: number) => `select ${tag} as unit, 0 as slot, count(*) as n from vul_scan_tasks where project_id = ?${typed ? ' and scan_type = ?' : ''} and start_time between ? and ?`;
  return [range(TASK_COUNT_DAY), range(TASK_COUNT_HOUR), range(TASK_COUNT_HOUR), partial(HEAD), partial(TAIL)].join(' union all ');
};
const BUCKETS = prepared<{ unit: number; slot: number; n: number }>(bucketsSql(false));
const BUCKETS_OF_TYPE = prepared<{ unit: number; slot: number; n: number }>(bucketsSql(true));
const RANGE_TOTAL = prepared<{ n: number }>(`select coalesce(sum(n), 0) as n from (${bucketsSql(false)}) b`);
const RANGE_TOTAL_OF_TYPE = prepared<{ n: number }>(`select coalesce(sum(n), 0) as n from (${bucketsSql(true)}) b`);

/** How a time range [low, high] (inclusive ms) splits into partial hours, whole hours and whole days. */
interface Pieces {
  head: [number, number];
  topHours: [number, number];
  days: [number, number];
  bottomHours: [number, number];
  tail: [number, number];
}
const EMPTY: [number, number] = [1, 0];

function piecesOf(low: number, high: number): Pieces {
  const firstHour = Math.ceil(low / HOUR_MS);
  const lastHour = Math.floor((high + 1) / HOUR_MS) - 1;
  if (firstHour > lastHour) return { head: [low, high], topHours: EMPTY, days: EMPTY, bottomHours: EMPTY, tail: EMPTY };
  const head: [number, number] = (lastHour + 1) * HOUR_MS <= high ? [(lastHour + 1) * HOUR_MS, high] : EMPTY;
  const tail: [number, number] = low < firstHour * HOUR_MS ? [low, firstHour * HOUR_MS - 1] : EMPTY;
  const firstDay = Math.ceil(firstHour / 24);
  const lastDay = Math.floor((lastHour + 1) / 24) - 1;
  if (firstDay > lastDay) return { head, topHours: [firstHour, lastHour], days: EMPTY, bottomHours: EMPTY, tail };
  return { head, topHours: [(lastDay + 1) * 24, lastHour], days: [firstDay, lastDay], bottomHours: [firstHour, firstDay * 24 - 1], tail };
}

function bucketParams(projectId: string, type: ScanTaskType | undefined, p: Pieces): unknown[] {
  const all = type ?? '';
  const partial = (range: [number, number]) => (type ? [projectId, type, ...range] : [projectId, ...range]);
  return [projectId, all, ...p.days, projectId, all, ...p.topHours, projectId, all, ...p.bottomHours, ...partial(p.head), ...partial(p.tail)];
}

/** A run of tasks, newest first: its unit and slot, its newest possible time (inclusive) and how many tasks it holds. */
interface Segment {
  unit: number;
  slot: number;
  upper: number;
  n: number;
}

function segmentsOf(p: Pieces, rows: ReadonlyArray<{ unit: number; slot: number; n: number }>): Segment[] {
  const of = (unit: number, length: number, range: [number, number]) =>
    rows
      .filter((r) => Number(r.unit) === unit && Number(r.slot) >= range[0] && Number(r.slot) <= range[1])
      .map((r) => ({ unit, slot: Number(r.slot), upper: (Number(r.slot) + 1) * length - 1, n: Number(r.n) }))
      .sort((a, b) => b.slot - a.slot);
  const partial = (tag: number, upper: number) => rows.filter((r) => Number(r.unit) === tag).map((r) => ({ unit: tag, slot: 0, upper, n: Number(r.n) }));
  return [...partial(HEAD, p.head[1]), ...of(TASK_COUNT_HOUR, HOUR_MS, p.topHours), ...of(TASK_COUNT_DAY, DAY_MS, p.days), ...of(TASK_COUNT_HOUR, HOUR_MS, p.bottomHours), ...partial(TAIL, p.tail[1])].filter(
    (s) => s.n > 0,
  );
}

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
    if (filter.taskId !== undefined) {
      // The id is the key: at most one row, and its count is the number of rows.
      const rows = await this.filtered(projectId, filter).selectAll().execute();
      return { total: rows.length, tasks: rows.slice(page.offset, page.offset + page.limit).map(toTask) };
    }
    const low = filter.minStartTime ?? NO_MIN;
    const high = filter.maxStartTime ?? NO_MAX;
    if (low > high) return { total: 0, tasks: [] };
    const type = filter.scanType;
    let total: number;
    let upper = high;
    let skip = page.offset;
    if (filter.minStartTime === undefined && filter.maxStartTime === undefined) {
      // No time filter: the project's total is one row, and a near page is skipped to directly; a
      // deep one starts from the day the running sum of the day counts (newest first) reaches it.
      const [row] = await TOTAL.run(this.db, [projectId, type ?? '']);
      total = Number(row?.n ?? 0);
      if (page.offset > SEEK_FROM_OFFSET && page.offset < total) {
        const all = type ?? '';
        const week = walk(await WEEKS.run(this.db, [projectId, all]), page.offset);
        const day = week && walk(await DAYS.run(this.db, [projectId, all, week.slot * 7, week.slot * 7 + 6]), week.skip);
        if (day) {
          const found = await this.seek(projectId, type, [{ unit: TASK_COUNT_DAY, slot: day.slot, upper: (day.slot + 1) * DAY_MS - 1, n: Number.MAX_SAFE_INTEGER }], day.skip);
          upper = found.upper;
          skip = found.skip;
        }
      }
    } else if (page.offset <= SEEK_FROM_OFFSET) {
      // A near page of a time range: only the sum of its pieces is needed.
      const [row] = await (type ? RANGE_TOTAL_OF_TYPE : RANGE_TOTAL).run(this.db, bucketParams(projectId, type, piecesOf(low, high)));
      total = Number(row?.n ?? 0);
    } else {
      const pieces = piecesOf(low, high);
      const rows = await (type ? BUCKETS_OF_TYPE : BUCKETS).run(this.db, bucketParams(projectId, type, pieces));
      const segments = segmentsOf(pieces, rows);
      total = segments.reduce((a, s) => a + s.n, 0);
      if (page.offset >= total) return { total, tasks: [] };
      const found = await this.seek(projectId, type, segments, page.offset);
      upper = Math.min(high, found.upper);
      skip = found.skip;
    }
    if (page.offset >= total) return { total, tasks: [] };
    const rows = await (type ? PAGE_OF_TYPE.run(this.db, [projectId, type, low, upper, page.limit, skip]) : PAGE.run(this.db, [projectId, low, upper, page.limit, skip]));
    return { total, tasks: rows.map(toTask) };
  }

  /**
   * Where the task at `offset` is: the newest time it can have (inclusive) and
   * how many tasks to skip from there. A day entered far is walked by its
   * hours, so no more than about an hour's tasks are skipped row by row.
   */
  private async seek(projectId: string, type: ScanTaskType | undefined, segments: Segment[], offset: number): Promise<{ upper: number; skip: number }> {
    let before = 0;
    for (const s of segments) {
      if (before + s.n <= offset) {
        before += s.n;
        continue;
      }
      const skip = offset - before;
      if (s.unit !== TASK_COUNT_DAY || skip <= HOUR_SEEK_FROM) return { upper: s.upper, skip };
      const hour = walk(await HOURS.run(this.db, [projectId, type ?? '', s.slot * 24, s.slot * 24 + 23]), skip);
      return hour ? { upper: (hour.slot + 1) * HOUR_MS - 1, skip: hour.skip } : { upper: s.upper, skip };
    }
    return { upper: NO_MIN - 1, skip: 0 };
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
