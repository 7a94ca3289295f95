import { sql, type Kysely } from 'kysely';
import type { DB, ImageLocalRefsTable } from '../db/schema.js';

export type ImageLocalRef = ImageLocalRefsTable;

export interface LocalRefSummary {
  hostNum: number;
  containerNum: number;
  /** The first host (by name) holding the image. */
  host: { hostId: string; hostName: string; agentId: string } | null;
}

const CHUNK = 500;

/** Where each local image is: one row per (image asset, host) and per container running it. */
export class ImageLocalRefRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** The host's rows become exactly `rows`, at once. */
  async replaceForHost(projectId: string, hostId: string, rows: readonly ImageLocalRef[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('image_local_refs').where('project_id', '=', projectId).where('host_id', '=', hostId).execute();
      for (let i = 0; i < rows.length; i += 200) await trx.insertInto('image_local_refs').values(rows.slice(i, i + 200)).execute();
    });
  }

  /** Every asset some host of the project still holds. */
  async heldAssetIds(projectId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('image_local_refs').select('image_asset_id').distinct().where('project_id', '=', projectId).execute();
    return rows.map((r) => r.image_asset_id);
  }

  /** The hosts holding each asset. */
  async hostsOf(projectId: string, assetIds: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (let i = 0; i < assetIds.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom('image_local_refs')
        .select(['image_asset_id', 'host_id'])
        .distinct()
        .where('project_id', '=', projectId)
        .where('image_asset_id', 'in', assetIds.slice(i, i + CHUNK))
        .execute();
      for (const r of rows) out.set(r.image_asset_id, [...(out.get(r.image_asset_id) ?? []), r.host_id]);
    }
    return out;
  }

  /** Assets held by these hosts that are in the given scan status. */
  async assetsOnHosts(projectId: string, hostIds: readonly string[], scanStatus: string): Promise<string[]> {
    if (hostIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('image_local_refs')
      .innerJoin('image_assets', 'image_assets.id', 'image_local_refs.image_asset_id')
      .select('image_assets.id')
      .distinct()
      .where('image_local_refs.project_id', '=', projectId)
      .where('image_local_refs.host_id', 'in', [...hostIds])
      .where('image_assets.scan_status', '=', scanStatus)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Assets some host reported at or after `since`. */
  async reportedSince(projectId: string, assetIds: readonly string[], since: number): Promise<Set<string>> {
    const out = new Set<string>();
    for (let i = 0; i < assetIds.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom('image_local_refs')
        .select('image_asset_id')
        .distinct()
        .where('project_id', '=', projectId)
        .where('image_asset_id', 'in', assetIds.slice(i, i + CHUNK))
        .where('reported_at', '>=', since)
        .execute();
      for (const r of rows) out.add(r.image_asset_id);
    }
    return out;
  }

  /** Host and container counts of each asset, for list rows. */
  async summaries(projectId: string, assetIds: readonly string[]): Promise<Map<string, LocalRefSummary>> {
    const out = new Map<string, LocalRefSummary>();
    if (assetIds.length === 0) return out;
    const counts = await this.db
      .selectFrom('image_local_refs')
      .select((eb) => [
        'image_asset_id',
        eb.fn.count<number>('host_id').distinct().as('host_num'),
        sql<number>`sum(case when container_id <> '' then 1 else 0 end)`.as('container_num'),
      ])
      .where('project_id', '=', projectId)
      .where('image_asset_id', 'in', [...assetIds])
      .groupBy('image_asset_id')
      .execute();
    const firsts = await this.db
      .selectFrom('image_local_refs')
      .select(['image_asset_id', 'host_id', 'host_name', 'agent_id'])
      .where('project_id', '=', projectId)
      .where('image_asset_id', 'in', [...assetIds])
      .where('container_id', '=', '')
      .orderBy('host_name')
      .orderBy('host_id')
      .execute();
    for (const c of counts) out.set(c.image_asset_id, { hostNum: Number(c.host_num), containerNum: Number(c.container_num ?? 0), host: null });
    for (const f of firsts) {
      const s = out.get(f.image_asset_id);
      if (s && !s.host) s.host = { hostId: f.host_id, hostName: f.host_name, agentId: f.agent_id };
    }
    return out;
  }
}
