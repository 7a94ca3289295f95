import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { DB, ImageVulsTable } from '../db/schema.js';
import type { ImageVulType } from '../domain/image.js';
import { whereImageAssets, type ImageAssetFilter } from './image-asset-repository.js';
import { recountImageDigest } from './image-content-repository.js';
import { inTransaction } from './transaction.js';

export interface ImageVulFilter {
  vulId?: string;
  /** Exact package name. */
  appName?: string;
  vulType?: ImageVulType;
  /** Stored severities (critical, high, medium, low, unknown). */
  severities?: string[];
  handleStatus?: 'unhandled' | 'handled';
}

/** The filter as one SQL condition on `image_vuls`, usable in any query that has the table. */
function vulCondition(f: ImageVulFilter): Expression<SqlBool> {
  const parts: Array<Expression<SqlBool>> = [sql<SqlBool>`1 = 1`];
  if (f.vulId) parts.push(sql<SqlBool>`image_vuls.vul_id = ${f.vulId}`);
  if (f.appName) parts.push(sql<SqlBool>`image_vuls.package_name = ${f.appName}`);
  if (f.vulType) parts.push(sql<SqlBool>`image_vuls.vul_type = ${f.vulType}`);
  if (f.severities) parts.push(sql<SqlBool>`image_vuls.severity in (${sql.join(f.severities.length > 0 ? f.severities : [''])})`);
  if (f.handleStatus) parts.push(sql<SqlBool>`image_vuls.handle_status = ${f.handleStatus}`);
  return sql<SqlBool>`(${sql.join(parts, sql` and `)})`;
}

export type ImageVulRow = ImageVulsTable;

/** Reads of stored image vulnerabilities: one image's, and the images a vulnerability is in. */
export class ImageVulListRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async forDigest(projectId: string, digest: string, f: ImageVulFilter, page: { offset: number; limit: number }): Promise<{ total: number; rows: ImageVulRow[] }> {
    const base = this.db.selectFrom('image_vuls').where('image_vuls.project_id', '=', projectId).where('image_vuls.image_digest', '=', digest).where(vulCondition(f));
    const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await base
      .selectAll('image_vuls')
      // The order exports use, so a list and an export of the same image agree row for row.
      .orderBy('image_vuls.vul_id')
      .orderBy('image_vuls.package_name')
      .orderBy('image_vuls.package_version')
      .orderBy('image_vuls.package_path')
      .offset(page.offset)
      .limit(page.limit)
      .execute();
    return { total: Number(n), rows };
  }

  /** The images (assets matching `assets`) that have the vulnerability, one row per image and affected package. */
  async imagesWith(vulId: string, assets: ImageAssetFilter, f: ImageVulFilter, page: { offset: number; limit: number }) {
    const selected = whereImageAssets(this.db.selectFrom('image_assets').select('image_assets.id'), assets);
    const base = this.db
      .selectFrom('image_vuls')
      .innerJoin('image_assets', (j) => j.onRef('image_assets.project_id', '=', 'image_vuls.project_id').onRef('image_assets.image_digest', '=', 'image_vuls.image_digest'))
      .where('image_vuls.project_id', '=', assets.projectId)
      .where('image_vuls.vul_id', '=', vulId)
      .where('image_assets.id', 'in', selected)
      .where(vulCondition(f));
    const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await base
      .selectAll('image_vuls')
      .select(['image_assets.id as asset_id', 'image_assets.image_type', 'image_assets.image_name', 'image_assets.image_version', 'image_assets.namespace', 'image_assets.registry_name', 'image_assets.image_id'])
      .orderBy('image_assets.latest_update_time', 'desc')
      .orderBy('image_assets.id')
      .orderBy('image_vuls.package_name')
      .orderBy('image_vuls.package_path')
      .offset(page.offset)
      .limit(page.limit)
      .execute();
    return { total: Number(n), rows };
  }

  /** Sets the handling of an image digest's vulnerabilities; returns how many rows changed. */
  async setHandleStatus(projectId: string, digests: readonly string[], vulIds: readonly string[], status: 'unhandled' | 'handled', now: number): Promise<number> {
    if (digests.length === 0 || vulIds.length === 0) return 0;
    return inTransaction(this.db, async (trx) => {
      const r = await trx
        .updateTable('image_vuls')
        .set({ handle_status: status, handled_at: status === 'handled' ? now : null })
        .where('project_id', '=', projectId)
        .where('image_digest', 'in', [...digests])
        .where('vul_id', 'in', [...vulIds])
        .executeTakeFirst();
      // The digests' open counts follow the handling, in the same transaction.
      for (const digest of digests) await recountImageDigest(trx, projectId, digest);
      return Number(r.numUpdatedRows);
    });
  }
}
