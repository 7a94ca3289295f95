import { sql, type Kysely } from 'kysely';
import type { DB, ImageScanTaskItemsTable, ImageScanTasksTable } from '../db/schema.js';
import { FINAL_IMAGE_SCAN_STATUSES, type ImageScanStatus } from '../domain/image.js';

export type ImageScanTaskStatus = 'running' | 'finished' | 'stopped' | 'timeout' | 'error';

export interface ImageScanTaskFilter {
  projectId: string;
  enterpriseProjectIds: string[] | null;
  imageType?: string;
  taskType?: string;
  /** Case-insensitive substring. */
  taskName?: string;
  taskId?: string;
  status?: ImageScanTaskStatus;
  createdFrom?: number;
  createdTo?: number;
}

export interface ItemCounts {
  total: number;
  waiting: number;
  scanning: number;
  success: number;
  failed: number;
  risky: number;
}

const OPEN: ImageScanStatus[] = ['waiting_for_scan', 'scanning'];
const FAILED: ImageScanStatus[] = FINAL_IMAGE_SCAN_STATUSES.filter((s) => s !== 'success');

/** Image scan tasks and their per-image items. */
export class ImageScanTaskRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Creates the task and its items; false when a cycle task for the same schedule slot exists. */
  async create(task: ImageScanTasksTable, items: readonly ImageScanTaskItemsTable[]): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx.insertInto('image_scan_tasks').values(task).onConflict((oc) => oc.column('schedule_key').doNothing()).executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1) return false;
      for (let i = 0; i < items.length; i += 200) await trx.insertInto('image_scan_task_items').values(items.slice(i, i + 200)).execute();
      return true;
    });
  }

  async get(id: string): Promise<ImageScanTasksTable | null> {
    return (await this.db.selectFrom('image_scan_tasks').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async list(f: ImageScanTaskFilter, page: { offset: number; limit: number }): Promise<{ total: number; tasks: ImageScanTasksTable[] }> {
    let q = this.db.selectFrom('image_scan_tasks').where('project_id', '=', f.projectId);
    if (f.enterpriseProjectIds) q = q.where('enterprise_project_id', 'in', f.enterpriseProjectIds.length > 0 ? f.enterpriseProjectIds : ['']);
    if (f.imageType) q = q.where('image_type', '=', f.imageType);
    if (f.taskType) q = q.where('task_type', '=', f.taskType);
    if (f.taskId) q = q.where('id', '=', f.taskId);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.createdFrom !== undefined) q = q.where('begin_time', '>=', f.createdFrom);
    if (f.createdTo !== undefined) q = q.where('begin_time', '<=', f.createdTo);
    if (f.taskName) q = q.where(sql<string>`lower(task_name)`, 'like', `%${f.taskName.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const { n } = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const tasks = await q.selectAll().orderBy('begin_time', 'desc').orderBy('id').offset(page.offset).limit(page.limit).execute();
    return { total: Number(n), tasks };
  }

  async counts(taskId: string): Promise<ItemCounts> {
    return (await this.countsOf([taskId])).get(taskId)!;
  }

  /** Item counts of many tasks in one query (a task list page). */
  async countsOf(taskIds: readonly string[]): Promise<Map<string, ItemCounts>> {
    const out = new Map<string, ItemCounts>(taskIds.map((id) => [id, { total: 0, waiting: 0, scanning: 0, success: 0, failed: 0, risky: 0 }]));
    if (taskIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('image_scan_task_items')
      .select(['task_id', 'scan_status', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('risky').as('risky')])
      .where('task_id', 'in', [...taskIds])
      .groupBy(['task_id', 'scan_status'])
      .execute();
    for (const r of rows) {
      const counts = out.get(r.task_id)!;
      const n = Number(r.n);
      counts.total += n;
      counts.risky += Number(r.risky ?? 0);
      if (r.scan_status === 'waiting_for_scan') counts.waiting += n;
      else if (r.scan_status === 'scanning') counts.scanning += n;
      else if (r.scan_status === 'success') counts.success += n;
      else counts.failed += n;
    }
    return out;
  }

  /** Failed items with their images, for the task list's failed_images. */
  async failedItems(taskId: string, limit: number) {
    return this.db
      .selectFrom('image_scan_task_items as i')
      .innerJoin('image_assets as a', 'a.id', 'i.image_asset_id')
      .select(['a.id', 'a.registry_id', 'a.registry_name', 'a.registry_type', 'a.namespace', 'a.image_name', 'a.image_version', 'i.failed_reason'])
      .where('i.task_id', '=', taskId)
      .where('i.scan_status', 'in', FAILED)
      .orderBy('i.position')
      .limit(limit)
      .execute();
  }

  async items(taskId: string): Promise<ImageScanTaskItemsTable[]> {
    return this.db.selectFrom('image_scan_task_items').selectAll().where('task_id', '=', taskId).orderBy('position').execute();
  }

  async item(taskId: string, assetId: string): Promise<ImageScanTaskItemsTable | null> {
    return (await this.db.selectFrom('image_scan_task_items').selectAll().where('task_id', '=', taskId).where('image_asset_id', '=', assetId).executeTakeFirst()) ?? null;
  }

  async runningTaskIds(): Promise<string[]> {
    return (await this.db.selectFrom('image_scan_tasks').select('id').where('status', '=', 'running').execute()).map((r) => r.id);
  }

  /**
   * Waiting items not yet handed to the queue, first by position; an item
   * whose digest a twin in the task already carries is left for the twin.
   */
  async dispatchable(taskId: string, limit: number): Promise<ImageScanTaskItemsTable[]> {
    return this.db
      .selectFrom('image_scan_task_items as i')
      .selectAll('i')
      .where('i.task_id', '=', taskId)
      .where('i.scan_status', '=', 'waiting_for_scan')
      .where('i.dispatched_at', 'is', null)
      .where((eb) =>
        eb.or([
          eb('i.image_digest', 'is', null),
          eb.not(
            eb.exists(
              eb
                .selectFrom('image_scan_task_items as t')
                .select(sql`1`.as('one'))
                .whereRef('t.task_id', '=', 'i.task_id')
                .whereRef('t.image_digest', '=', 'i.image_digest')
                .where('t.dispatched_at', 'is not', null),
            ),
          ),
        ]),
      )
      .orderBy('i.position')
      .limit(limit)
      .execute();
  }

  /** Marks an item handed to the queue; false when another dispatcher got there first. */
  /** Claims the item for dispatch: dispatched_at holds −now until confirmDispatch says its job is queued. */
  async claimDispatch(taskId: string, assetId: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('image_scan_task_items')
      .set({ dispatched_at: -now })
      .where('task_id', '=', taskId)
      .where('image_asset_id', '=', assetId)
      .where('dispatched_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async unclaimDispatch(taskId: string, assetId: string): Promise<void> {
    await this.db.updateTable('image_scan_task_items').set({ dispatched_at: null }).where('task_id', '=', taskId).where('image_asset_id', '=', assetId).where('scan_status', '=', 'waiting_for_scan').execute();
  }

  /** The claimed item's job is queued. */
  async confirmDispatch(taskId: string, assetId: string, now: number): Promise<void> {
    await this.db.updateTable('image_scan_task_items').set({ dispatched_at: now }).where('task_id', '=', taskId).where('image_asset_id', '=', assetId).where('dispatched_at', '<', 0).execute();
  }

  /**
   * Items offered again: queued before `queuedBefore` and never started, or
   * claimed before `claimedBefore` and never confirmed queued (the process
   * died between the claim and the queue).
   */
  async releaseLostDispatches(taskId: string, queuedBefore: number, claimedBefore: number): Promise<number> {
    const r = await this.db
      .updateTable('image_scan_task_items')
      .set({ dispatched_at: null })
      .where('task_id', '=', taskId)
      .where('scan_status', '=', 'waiting_for_scan')
      .where((eb) => eb.or([eb.and([eb('dispatched_at', '>', 0), eb('dispatched_at', '<', queuedBefore)]), eb.and([eb('dispatched_at', '<', 0), eb('dispatched_at', '>', -claimedBefore)])]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** The item and its twins (same digest) start scanning; false when it is no longer waiting. */
  async start(taskId: string, item: ImageScanTaskItemsTable, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('image_scan_task_items')
      .set({ scan_status: 'scanning', started_at: now })
      .where('task_id', '=', taskId)
      .where('scan_status', 'in', OPEN)
      .where((eb) => (item.image_digest ? eb.or([eb('image_asset_id', '=', item.image_asset_id), eb('image_digest', '=', item.image_digest)]) : eb('image_asset_id', '=', item.image_asset_id)))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Ends the item and its twins; returns the asset ids that ended. */
  async finish(taskId: string, item: Pick<ImageScanTaskItemsTable, 'image_asset_id' | 'image_digest'>, status: ImageScanStatus, reason: string, risky: boolean, now: number): Promise<string[]> {
    const match = this.db
      .selectFrom('image_scan_task_items')
      .select('image_asset_id')
      .where('task_id', '=', taskId)
      .where('scan_status', 'in', OPEN)
      .where((eb) => (item.image_digest ? eb.or([eb('image_asset_id', '=', item.image_asset_id), eb('image_digest', '=', item.image_digest)]) : eb('image_asset_id', '=', item.image_asset_id)));
    const ids = (await match.execute()).map((r) => r.image_asset_id);
    if (ids.length === 0) return [];
    await this.db
      .updateTable('image_scan_task_items')
      .set({ scan_status: status, failed_reason: reason, risky: risky ? 1 : 0, finished_at: now })
      .where('task_id', '=', taskId)
      .where('image_asset_id', 'in', ids)
      .where('scan_status', 'in', OPEN)
      .execute();
    return ids;
  }

  /** Every open item ends with this status (stop, timeout). Returns their asset ids. */
  async finishOpen(taskId: string, status: ImageScanStatus, reason: string, now: number): Promise<string[]> {
    const ids = (await this.db.selectFrom('image_scan_task_items').select('image_asset_id').where('task_id', '=', taskId).where('scan_status', 'in', OPEN).execute()).map((r) => r.image_asset_id);
    if (ids.length > 0) {
      await this.db.updateTable('image_scan_task_items').set({ scan_status: status, failed_reason: reason, finished_at: now }).where('task_id', '=', taskId).where('scan_status', 'in', OPEN).execute();
    }
    return ids;
  }

  /** Items scanning since before `before` (local images waiting for their agents). */
  async scanningItems(taskId: string): Promise<ImageScanTaskItemsTable[]> {
    return this.db.selectFrom('image_scan_task_items').selectAll().where('task_id', '=', taskId).where('scan_status', '=', 'scanning').execute();
  }

  /** Ends a running task; false when it was not running any more. */
  async end(taskId: string, status: Exclude<ImageScanTaskStatus, 'running'>, reason: string, now: number): Promise<boolean> {
    const r = await this.db.updateTable('image_scan_tasks').set({ status, failed_reason: reason, end_time: now }).where('id', '=', taskId).where('status', '=', 'running').executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
