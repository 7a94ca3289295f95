import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { ImageVulHandleStatus, ImageVulType } from '../domain/image.js';
import { whereImageAssets, type ImageAssetFilter } from '../repositories/image-asset-repository.js';

/** Which image vulnerability rows an export covers: the assets the image list shows for `assets`, narrowed by vulnerability. */
export interface ImageVulExportFilter {
  assets: ImageAssetFilter;
  vulType?: ImageVulType;
  handleStatus?: ImageVulHandleStatus;
  vulIds?: string[];
}

/** One exported row: an image asset × one of its digest's vulnerability rows. */
export interface ImageVulExportRow {
  assetId: string;
  imageName: string;
  imageVersion: string;
  imageDigest: string;
  imageId: string | null;
  registryName: string;
  namespace: string;
  /** Local images: the names of the hosts holding it, sorted, each once. */
  hostNames: string[];
  /** What the image filters select on: scan status, size and times. */
  scanStatus: string;
  imageSize: number | null;
  latestUpdateTime: number;
  latestScanTime: number | null;
  vulId: string;
  /** The CVE ids of the advisory (a GHSA or distribution id names them here). */
  cveIds: string[];
  description: string;
  packageName: string;
  packageVersion: string;
  packagePath: string;
  fixedVersion: string;
  severity: string;
  cvssScore: number | null;
  handleStatus: string;
  firstSeenAt: number;
  vulType: string;
}

const ASSET_PAGE = 200;
const VUL_PAGE = 1000;

type VulScope = ExpressionBuilder<DB, 'image_vuls'>;

/** The vulnerability-level conditions, on `image_vuls`. */
function vulConditions(eb: VulScope, f: ImageVulExportFilter) {
  const all = [];
  if (f.vulType) all.push(eb('image_vuls.vul_type', '=', f.vulType));
  if (f.handleStatus) all.push(eb('image_vuls.handle_status', '=', f.handleStatus));
  if (f.vulIds) all.push(eb('image_vuls.vul_id', 'in', f.vulIds.length > 0 ? f.vulIds : ['']));
  return eb.and(all);
}

/** How many rows the export would hold: each selected asset counts every matching row of its digest. */
export async function countImageVulRows(db: Kysely<DB>, f: ImageVulExportFilter): Promise<number> {
  const assets = whereImageAssets(db.selectFrom('image_assets').select(['image_assets.project_id', 'image_assets.image_digest']), f.assets).as('a');
  const row = await db
    .selectFrom(assets)
    .innerJoin('image_vuls', (j) => j.onRef('image_vuls.project_id', '=', 'a.project_id').onRef('image_vuls.image_digest', '=', 'a.image_digest'))
    .where((eb) => vulConditions(eb as unknown as VulScope, f))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The rows in list order (newest image update first, then asset id; within
 * an image by vulnerability id, package name, version and path), read in
 * keyset pages: a page of assets, then each asset's rows a page at a time,
 * so memory holds one page whatever the export's size. Assets whose digest
 * has no matching row are skipped by the asset query itself.
 */
export async function* imageVulRows(db: Kysely<DB>, f: ImageVulExportFilter): AsyncGenerator<ImageVulExportRow> {
  let after: { time: number; id: string } | null = null;
  for (;;) {
    let q = whereImageAssets(
      db
        .selectFrom('image_assets')
        .select(['image_assets.id', 'image_assets.project_id', 'image_assets.latest_update_time', 'image_assets.image_name', 'image_assets.image_version', 'image_assets.image_digest', 'image_assets.image_id', 'image_assets.registry_name', 'image_assets.namespace', 'image_assets.scan_status', 'image_assets.image_size', 'image_assets.latest_scan_time']),
      f.assets,
    ).where((eb) =>
      eb.exists(
        eb
          .selectFrom('image_vuls')
          .select(sql`1`.as('one'))
          .whereRef('image_vuls.project_id', '=', 'image_assets.project_id')
          .whereRef('image_vuls.image_digest', '=', 'image_assets.image_digest')
          .where((v) => vulConditions(v as unknown as VulScope, f)),
      ),
    );
    if (after) {
      const { time, id } = after;
      q = q.where((eb) => eb.or([eb('image_assets.latest_update_time', '<', time), eb.and([eb('image_assets.latest_update_time', '=', time), eb('image_assets.id', '>', id)])]));
    }
    const assets = await q.orderBy('image_assets.latest_update_time', 'desc').orderBy('image_assets.id').limit(ASSET_PAGE).execute();
    if (assets.length === 0) return;
    const hosts = await hostNamesOf(db, assets.map((a) => a.id));
    for (const asset of assets) {
      const digest = asset.image_digest!;
      let cursor: [string, string, string, string] | null = null;
      for (;;) {
        let vq = db
          .selectFrom('image_vuls')
          .select(['vul_id', 'package_name', 'package_version', 'package_path', 'fixed_version', 'severity', 'cvss_score', 'handle_status', 'first_seen_at', 'vul_type', 'cve_ids', 'title'])
          .where('image_vuls.project_id', '=', asset.project_id)
          .where('image_vuls.image_digest', '=', digest)
          .where((eb) => vulConditions(eb, f));
        if (cursor) {
          const c = cursor;
          vq = vq.where((eb) => eb(eb.refTuple('vul_id', 'package_name', 'package_version', 'package_path'), '>', eb.tuple(c[0], c[1], c[2], c[3])));
        }
        const vuls = await vq.orderBy('vul_id').orderBy('package_name').orderBy('package_version').orderBy('package_path').limit(VUL_PAGE).execute();
        for (const v of vuls) {
          yield {
            assetId: asset.id,
            imageName: asset.image_name,
            imageVersion: asset.image_version,
            imageDigest: digest,
            imageId: asset.image_id,
            registryName: asset.registry_name,
            namespace: asset.namespace,
            hostNames: hosts.get(asset.id) ?? [],
            scanStatus: asset.scan_status,
            imageSize: asset.image_size === null ? null : Number(asset.image_size),
            latestUpdateTime: Number(asset.latest_update_time),
            latestScanTime: asset.latest_scan_time === null ? null : Number(asset.latest_scan_time),
            vulId: v.vul_id,
            cveIds: JSON.parse(v.cve_ids) as string[],
            description: v.title,
            packageName: v.package_name,
            packageVersion: v.package_version,
            packagePath: v.package_path,
            fixedVersion: v.fixed_version,
            severity: v.severity,
            cvssScore: v.cvss_score === null ? null : Number(v.cvss_score),
            handleStatus: v.handle_status,
            firstSeenAt: Number(v.first_seen_at),
            vulType: v.vul_type,
          };
        }
        if (vuls.length < VUL_PAGE) break;
        const last = vuls[vuls.length - 1]!;
        cursor = [last.vul_id, last.package_name, last.package_version, last.package_path];
      }
    }
    const last = assets[assets.length - 1]!;
    after = { time: Number(last.latest_update_time), id: last.id };
  }
}

/** Host names per asset (several containers on one host name it once). */
async function hostNamesOf(db: Kysely<DB>, assetIds: string[]): Promise<Map<string, string[]>> {
  const rows = await db.selectFrom('image_local_refs').select(['image_asset_id', 'host_name']).distinct().where('image_asset_id', 'in', assetIds).execute();
  const out = new Map<string, string[]>();
  for (const r of rows) {
    const list = out.get(r.image_asset_id) ?? [];
    list.push(r.host_name);
    out.set(r.image_asset_id, list);
  }
  for (const list of out.values()) list.sort();
  return out;
}
