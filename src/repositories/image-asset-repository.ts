import { randomInt } from 'node:crypto';
import { sql, type ExpressionBuilder, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { DB, ImageAssetsTable } from '../db/schema.js';
import type { ImageAsset, ImageScanStatus, ImageSource, LocalImageType } from '../domain/image.js';
import { inTransaction } from './transaction.js';

/**
 * Which image assets a request means. One definition serves the lists, the
 * "is_all + query_info" scan selection and the exports, so a scan task or an
 * export covers exactly the images the list with the same filters shows.
 * Text filters are case-insensitive substrings unless noted.
 */
export interface ImageAssetFilter {
  projectId: string;
  /** null: every enterprise project. */
  enterpriseProjectIds: string[] | null;
  imageType: ImageSource;
  /** Also images gone from their source (history). Default false. */
  includeRemoved?: boolean;
  /** Exact asset ids. */
  ids?: string[];
  registryId?: string;
  /** Exact registry name. */
  registryName?: string;
  /** Exact registry types (Harbor, Jfrog, …). */
  registryTypes?: string[];
  namespace?: string;
  imageName?: string;
  imageVersion?: string;
  /** Exact digest. */
  imageDigest?: string;
  /** Exact image id (config digest). */
  imageId?: string;
  scanStatus?: ImageScanStatus;
  /** Images of at least this many bytes. */
  minImageSize?: number;
  latestUpdateTime?: { from?: number; to?: number };
  latestScanTime?: { from?: number; to?: number };
  localImageType?: LocalImageType;
  hasVul?: boolean;
  /** Local images: where they are. Exact ids, substring names. */
  hostId?: string;
  hostName?: string;
  /** Exact IP (private or public, as the agent reported it). */
  hostIp?: string;
  clusterId?: string;
  containerId?: string;
  containerName?: string;
  podId?: string;
  podName?: string;
  hasContainer?: boolean;
  /** Images with a vulnerable package of this name (exact). */
  appName?: string;
}

type AssetQuery<O> = SelectQueryBuilder<DB, 'image_assets', O>;

const like = (value: string) => `%${value.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Adds the filter's conditions to a query over `image_assets`. */
export function whereImageAssets<O>(query: AssetQuery<O>, f: ImageAssetFilter): AssetQuery<O> {
  let q = query.where('image_assets.project_id', '=', f.projectId).where('image_assets.image_type', '=', f.imageType);
  if (f.enterpriseProjectIds) q = q.where('image_assets.enterprise_project_id', 'in', f.enterpriseProjectIds.length > 0 ? f.enterpriseProjectIds : ['']);
  if (!f.includeRemoved) q = q.where('image_assets.removed_at', 'is', null);
  if (f.ids) q = q.where('image_assets.id', 'in', f.ids.length > 0 ? f.ids : ['']);
  if (f.registryId !== undefined) q = q.where('image_assets.registry_id', '=', f.registryId);
  if (f.registryName !== undefined) q = q.where('image_assets.registry_name', '=', f.registryName);
  if (f.registryTypes) q = q.where('image_assets.registry_type', 'in', f.registryTypes.length > 0 ? f.registryTypes : ['']);
  const contains = (column: 'namespace' | 'image_name' | 'image_version', value: string | undefined) => {
    if (value) q = q.where(sql<string>`lower(image_assets.${sql.ref(column)})`, 'like', sql<string>`${like(value)} escape '\\'`);
  };
  contains('namespace', f.namespace);
  contains('image_name', f.imageName);
  contains('image_version', f.imageVersion);
  if (f.imageDigest) q = q.where('image_assets.image_digest', '=', f.imageDigest);
  if (f.imageId) q = q.where('image_assets.image_id', '=', f.imageId);
  if (f.scanStatus) q = q.where('image_assets.scan_status', '=', f.scanStatus);
  if (f.minImageSize !== undefined) q = q.where('image_assets.image_size', '>=', f.minImageSize);
  if (f.latestUpdateTime?.from !== undefined) q = q.where('image_assets.latest_update_time', '>=', f.latestUpdateTime.from);
  if (f.latestUpdateTime?.to !== undefined) q = q.where('image_assets.latest_update_time', '<=', f.latestUpdateTime.to);
  if (f.latestScanTime?.from !== undefined) q = q.where('image_assets.latest_scan_time', '>=', f.latestScanTime.from);
  if (f.latestScanTime?.to !== undefined) q = q.where('image_assets.latest_scan_time', '<=', f.latestScanTime.to);
  if (f.localImageType) q = q.where('image_assets.local_image_type', '=', f.localImageType);
  if (f.hasVul !== undefined) {
    const vulnerable = (eb: ExpressionBuilder<DB, 'image_assets'>) =>
      eb.exists(eb.selectFrom('image_vuls').select(sql`1`.as('one')).whereRef('image_vuls.project_id', '=', 'image_assets.project_id').whereRef('image_vuls.image_digest', '=', 'image_assets.image_digest'));
    q = q.where((eb) => (f.hasVul ? vulnerable(eb) : eb.not(vulnerable(eb))));
  }
  if (f.appName) {
    const app = f.appName;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('image_vuls')
          .select(sql`1`.as('one'))
          .whereRef('image_vuls.project_id', '=', 'image_assets.project_id')
          .whereRef('image_vuls.image_digest', '=', 'image_assets.image_digest')
          .where('image_vuls.package_name', '=', app),
      ),
    );
  }
  const refConditions = f.hostId || f.hostName || f.hostIp || f.clusterId || f.containerId || f.containerName || f.podId || f.podName;
  if (refConditions) {
    q = q.where((eb) => {
      let refs = eb.selectFrom('image_local_refs').select(sql`1`.as('one')).whereRef('image_local_refs.image_asset_id', '=', 'image_assets.id');
      if (f.hostId) refs = refs.where('image_local_refs.host_id', '=', f.hostId);
      if (f.hostName) refs = refs.where(sql<string>`lower(image_local_refs.host_name)`, 'like', sql<string>`${like(f.hostName)} escape '\\'`);
      if (f.hostIp) refs = refs.where('image_local_refs.host_ip', '=', f.hostIp);
      if (f.clusterId) refs = refs.where('image_local_refs.cluster_id', '=', f.clusterId);
      if (f.containerId) refs = refs.where('image_local_refs.container_id', '=', f.containerId);
      if (f.containerName) refs = refs.where(sql<string>`lower(image_local_refs.container_name)`, 'like', sql<string>`${like(f.containerName)} escape '\\'`);
      if (f.podId) refs = refs.where('image_local_refs.pod_id', '=', f.podId);
      if (f.podName) refs = refs.where(sql<string>`lower(image_local_refs.pod_name)`, 'like', sql<string>`${like(f.podName)} escape '\\'`);
      return eb.exists(refs);
    });
  }
  if (f.hasContainer !== undefined) {
    const running = (eb: ExpressionBuilder<DB, 'image_assets'>) =>
      eb.exists(eb.selectFrom('image_local_refs').select(sql`1`.as('one')).whereRef('image_local_refs.image_asset_id', '=', 'image_assets.id').where('image_local_refs.container_id', '<>', ''));
    q = q.where((eb) => (f.hasContainer ? running(eb) : eb.not(running(eb))));
  }
  return q;
}

/**
 * HSS clients read an image's `id` as a 64-bit integer (the SDKs type it
 * Long), so asset ids are decimal strings of random positive integers below
 * 2^53: stored as text, sent as JSON numbers, exact in JavaScript.
 */
export function newImageAssetId(): string {
  return String(randomInt(1, 2 ** 47) * 64 + randomInt(0, 64));
}

/** An asset as a source reports it; the repository keeps ids, scan state and history. */
export interface ImageAssetDraft {
  projectId: string;
  enterpriseProjectId: string;
  imageType: ImageSource;
  naturalKey: string;
  registryId: string | null;
  registryName: string;
  registryType: string;
  namespace: string;
  imageName: string;
  imageVersion: string;
  imageDigest: string | null;
  imageId: string | null;
  imageSize: number | null;
  latestUpdateTime: number;
  localImageType: LocalImageType | null;
}

export function toImageAsset(r: ImageAssetsTable): ImageAsset {
  return {
    id: r.id,
    projectId: r.project_id,
    enterpriseProjectId: r.enterprise_project_id,
    imageType: r.image_type as ImageSource,
    registryId: r.registry_id,
    registryName: r.registry_name,
    registryType: r.registry_type,
    namespace: r.namespace,
    imageName: r.image_name,
    imageVersion: r.image_version,
    imageDigest: r.image_digest,
    imageId: r.image_id,
    imageSize: r.image_size === null ? null : Number(r.image_size),
    latestUpdateTime: Number(r.latest_update_time),
    localImageType: r.local_image_type as LocalImageType | null,
    scanStatus: r.scan_status as ImageScanStatus,
    scanFailedReason: r.scan_failed_reason,
    latestScanTime: r.latest_scan_time === null ? null : Number(r.latest_scan_time),
    removedAt: r.removed_at === null ? null : Number(r.removed_at),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** Image assets of every source: upserts from syncs and reports, lookups and the filtered list. */
export class ImageAssetRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /**
   * Inserts or refreshes assets by (project, type, natural key), returning
   * them with their ids. A refreshed asset keeps its id and scan history;
   * when its digest changed it is `unscan` again. A removed one reappears.
   */
  async upsert(drafts: readonly ImageAssetDraft[], now: number): Promise<ImageAsset[]> {
    const out: ImageAsset[] = [];
    await inTransaction(this.db, async (trx) => {
      for (const d of drafts) {
        const existing = await trx
          .selectFrom('image_assets')
          .selectAll()
          .where('project_id', '=', d.projectId)
          .where('image_type', '=', d.imageType)
          .where('natural_key', '=', d.naturalKey)
          .executeTakeFirst();
        const fields = {
          enterprise_project_id: d.enterpriseProjectId,
          registry_id: d.registryId,
          registry_name: d.registryName,
          registry_type: d.registryType,
          namespace: d.namespace,
          image_name: d.imageName,
          image_version: d.imageVersion,
          image_digest: d.imageDigest,
          image_id: d.imageId,
          image_size: d.imageSize,
          latest_update_time: d.latestUpdateTime,
          local_image_type: d.localImageType,
          removed_at: null,
          updated_at: now,
        };
        if (existing) {
          const changed = existing.image_digest !== d.imageDigest;
          const scanState = changed ? { scan_status: 'unscan', scan_failed_reason: '', latest_scan_time: null, completed_scan_status: null, completed_scan_reason: null } : {};
          await trx.updateTable('image_assets').set({ ...fields, ...scanState }).where('id', '=', existing.id).execute();
          out.push(toImageAsset({ ...existing, ...fields, ...scanState } as ImageAssetsTable));
        } else {
          const row: ImageAssetsTable = {
            id: newImageAssetId(),
            project_id: d.projectId,
            image_type: d.imageType,
            natural_key: d.naturalKey,
            ...fields,
            scan_status: 'unscan',
            scan_failed_reason: '',
            latest_scan_time: null,
            completed_scan_status: null,
            completed_scan_reason: null,
            created_at: now,
          };
          // Another process may insert the same image at the same moment (two hosts reporting it):
          // the loser takes the winner's row instead of failing.
          const inserted = await trx.insertInto('image_assets').values(row).onConflict((oc) => oc.columns(['project_id', 'image_type', 'natural_key']).doNothing()).executeTakeFirst();
          if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) {
            out.push(toImageAsset(row));
          } else {
            const winner = await trx.selectFrom('image_assets').selectAll().where('project_id', '=', d.projectId).where('image_type', '=', d.imageType).where('natural_key', '=', d.naturalKey).executeTakeFirstOrThrow();
            await trx.updateTable('image_assets').set(fields).where('id', '=', winner.id).execute();
            out.push(toImageAsset({ ...winner, ...fields } as ImageAssetsTable));
          }
        }
      }
    });
    return out;
  }

  /** Marks the given source's assets that are not in `keepIds` as removed (kept as history). Returns how many. */
  async markRemoved(where: { projectId: string; imageType: ImageSource; registryId?: string }, keepIds: readonly string[], now: number): Promise<number> {
    let present = this.db.selectFrom('image_assets').select('id').where('project_id', '=', where.projectId).where('image_type', '=', where.imageType).where('removed_at', 'is', null);
    if (where.registryId !== undefined) present = present.where('registry_id', '=', where.registryId);
    const keep = new Set(keepIds);
    // Compared in memory: a NOT IN over thousands of kept ids would have to be chunked, and chunks of NOT IN are wrong.
    const gone = (await present.execute()).map((r) => r.id).filter((id) => !keep.has(id));
    for (let i = 0; i < gone.length; i += 500) {
      await this.db.updateTable('image_assets').set({ removed_at: now, updated_at: now }).where('id', 'in', gone.slice(i, i + 500)).execute();
    }
    return gone.length;
  }

  /** What a scan found the asset to be right now (the tag may have moved since the sync). */
  async setContent(projectId: string, id: string, content: { imageDigest: string; imageId: string; imageSize: number }, now: number): Promise<void> {
    await this.db
      .updateTable('image_assets')
      .set({ image_digest: content.imageDigest, image_id: content.imageId, image_size: content.imageSize, updated_at: now })
      .where('project_id', '=', projectId)
      .where('id', '=', id)
      .execute();
  }

  async get(projectId: string, id: string): Promise<ImageAsset | null> {
    const row = await this.db.selectFrom('image_assets').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
    return row ? toImageAsset(row) : null;
  }

  /** Assets by id within a project (missing ids are simply absent). */
  async getMany(projectId: string, ids: readonly string[]): Promise<ImageAsset[]> {
    const out: ImageAsset[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db.selectFrom('image_assets').selectAll().where('project_id', '=', projectId).where('id', 'in', ids.slice(i, i + 500)).execute();
      out.push(...rows.map(toImageAsset));
    }
    return out;
  }

  async count(filter: ImageAssetFilter): Promise<number> {
    const row = await whereImageAssets(this.db.selectFrom('image_assets').select((eb) => eb.fn.countAll<number>().as('n')), filter).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** One page, newest update first (ties by id), and the total. */
  async list(filter: ImageAssetFilter, page: { offset: number; limit: number }): Promise<{ total: number; assets: ImageAsset[] }> {
    const total = await this.count(filter);
    const rows = await whereImageAssets(this.db.selectFrom('image_assets').selectAll('image_assets'), filter)
      .orderBy('image_assets.latest_update_time', 'desc')
      .orderBy('image_assets.id')
      .offset(page.offset)
      .limit(page.limit)
      .execute();
    return { total, assets: rows.map(toImageAsset) };
  }

  /** Every matching asset id, in list order (for scan selection). */
  async ids(filter: ImageAssetFilter): Promise<string[]> {
    const rows = await whereImageAssets(this.db.selectFrom('image_assets').select('image_assets.id'), filter)
      .orderBy('image_assets.latest_update_time', 'desc')
      .orderBy('image_assets.id')
      .execute();
    return rows.map((r) => r.id);
  }

  /** `scanned`: this is the outcome of a completed scan (kept apart as the image's latest completed scan). */
  async setScanStatus(projectId: string, ids: readonly string[], status: ImageScanStatus, reason: string, now: number, scanned = false): Promise<void> {
    for (let i = 0; i < ids.length; i += 500) {
      await this.db
        .updateTable('image_assets')
        .set({ scan_status: status, scan_failed_reason: reason, updated_at: now, ...(scanned ? { latest_scan_time: now, completed_scan_status: status, completed_scan_reason: reason } : {}) })
        .where('project_id', '=', projectId)
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
    }
  }

  /** Every present asset of a project with this digest gets the scan outcome (one scan serves them all). */
  async setScanStatusByDigest(projectId: string, digest: string, status: ImageScanStatus, reason: string, now: number): Promise<void> {
    await this.db
      .updateTable('image_assets')
      .set({ scan_status: status, scan_failed_reason: reason, updated_at: now, latest_scan_time: now, completed_scan_status: status, completed_scan_reason: reason })
      .where('project_id', '=', projectId)
      .where('image_digest', '=', digest)
      .execute();
  }

  /**
   * After a task stopped: each image shows its latest completed scan again
   * (`fallback` when it never had one). Images another running task still
   * has waiting or scanning are left as that task set them.
   */
  async restoreCompletedStatus(projectId: string, ids: readonly string[], fallback: ImageScanStatus, reason: string, now: number): Promise<void> {
    for (let i = 0; i < ids.length; i += 500) {
      await this.db
        .updateTable('image_assets')
        .set({
          scan_status: sql<string>`coalesce(completed_scan_status, ${fallback})`,
          scan_failed_reason: sql<string>`case when completed_scan_status is null then ${reason} else coalesce(completed_scan_reason, '') end`,
          updated_at: now,
        })
        .where('project_id', '=', projectId)
        .where('id', 'in', ids.slice(i, i + 500))
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('image_scan_task_items as i')
                .innerJoin('image_scan_tasks as t', 't.id', 'i.task_id')
                .select(sql`1`.as('one'))
                .whereRef('i.image_asset_id', '=', 'image_assets.id')
                .where('t.status', '=', 'running')
                .where('i.scan_status', 'in', ['waiting_for_scan', 'scanning']),
            ),
          ),
        )
        .execute();
    }
  }
}
