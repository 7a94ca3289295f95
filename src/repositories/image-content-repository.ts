import type { Kysely } from 'kysely';
import type { DB, ImageContentsTable, ImageVulsTable } from '../db/schema.js';
import type { ImageVulTotals } from '../domain/image.js';
import { inTransaction } from './transaction.js';

/** One vulnerable package of an image digest, as matching produced it. */
export type ImageVulDraft = Omit<ImageVulsTable, 'project_id' | 'image_digest' | 'handle_status' | 'handled_at' | 'first_seen_at'>;

export type ImageContentSummary = Omit<ImageContentsTable, 'document'>;

const rowKey = (r: Pick<ImageVulsTable, 'vul_id' | 'package_name' | 'package_version' | 'package_path'>) => `${r.vul_id}\u0000${r.package_name}\u0000${r.package_version}\u0000${r.package_path}`;

/** What each scanned image digest contains (per project), and its vulnerabilities. */
export class ImageContentRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /**
   * Stores a digest's inventory and replaces its vulnerabilities. Rows whose
   * key (vulnerability, package name, version, path) is unchanged keep their
   * handling and first-seen time; rows no longer found are deleted.
   */
  async save(content: ImageContentsTable, vuls: readonly ImageVulDraft[], now: number, kevVulIds: readonly string[] = []): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      await trx
        .insertInto('image_contents')
        .values({ ...content, kev_vul_ids: JSON.stringify([...kevVulIds].sort()) })
        .onConflict((oc) => oc.columns(['project_id', 'image_digest']).doUpdateSet((eb) => ({
          image_id: eb.ref('excluded.image_id'),
          os_name: eb.ref('excluded.os_name'),
          os_version: eb.ref('excluded.os_version'),
          package_count: eb.ref('excluded.package_count'),
          document: eb.ref('excluded.document'),
          source: eb.ref('excluded.source'),
          inventory_at: eb.ref('excluded.inventory_at'),
          matched_at: eb.ref('excluded.matched_at'),
          matched_generation: eb.ref('excluded.matched_generation'),
          critical_num: eb.ref('excluded.critical_num'),
          high_num: eb.ref('excluded.high_num'),
          medium_num: eb.ref('excluded.medium_num'),
          low_num: eb.ref('excluded.low_num'),
          unknown_num: eb.ref('excluded.unknown_num'),
          kev_vul_ids: eb.ref('excluded.kev_vul_ids'),
        })))
        .execute();
      const existing = await trx
        .selectFrom('image_vuls')
        .select(['vul_id', 'package_name', 'package_version', 'package_path', 'handle_status', 'handled_at', 'first_seen_at'])
        .where('project_id', '=', content.project_id)
        .where('image_digest', '=', content.image_digest)
        .execute();
      const kept = new Map(existing.map((r) => [rowKey(r), r]));
      await trx.deleteFrom('image_vuls').where('project_id', '=', content.project_id).where('image_digest', '=', content.image_digest).execute();
      const rows: ImageVulsTable[] = vuls.map((v) => {
        const before = kept.get(rowKey(v));
        return {
          ...v,
          project_id: content.project_id,
          image_digest: content.image_digest,
          handle_status: before?.handle_status ?? 'unhandled',
          handled_at: before?.handled_at ?? null,
          first_seen_at: before ? Number(before.first_seen_at) : now,
        };
      });
      for (let i = 0; i < rows.length; i += 200) await trx.insertInto('image_vuls').values(rows.slice(i, i + 200)).execute();
      await recountImageDigest(trx, content.project_id, content.image_digest);
    });
  }

  async summary(projectId: string, digest: string): Promise<ImageContentSummary | null> {
    const row = await this.db
      .selectFrom('image_contents')
      .select(['project_id', 'image_digest', 'image_id', 'os_name', 'os_version', 'package_count', 'source', 'inventory_at', 'matched_at', 'matched_generation', 'critical_num', 'high_num', 'medium_num', 'low_num', 'unknown_num'])
      .where('project_id', '=', projectId)
      .where('image_digest', '=', digest)
      .executeTakeFirst();
    return row ?? null;
  }

  async document(projectId: string, digest: string): Promise<Buffer | null> {
    const row = await this.db.selectFrom('image_contents').select('document').where('project_id', '=', projectId).where('image_digest', '=', digest).executeTakeFirst();
    return row ? Buffer.from(row.document) : null;
  }

  /** Digests matched against another DB generation than `generation`, a page at a time. */
  async staleDigests(generation: string, after: { projectId: string; digest: string } | null, limit: number): Promise<Array<{ projectId: string; digest: string }>> {
    let q = this.db.selectFrom('image_contents').select(['project_id', 'image_digest']).where('matched_generation', '<>', generation);
    if (after) q = q.where((eb) => eb.or([eb('project_id', '>', after.projectId), eb.and([eb('project_id', '=', after.projectId), eb('image_digest', '>', after.digest)])]));
    const rows = await q.orderBy('project_id').orderBy('image_digest').limit(limit).execute();
    return rows.map((r) => ({ projectId: r.project_id, digest: r.image_digest }));
  }
}

const RANK: Record<string, number> = { unknown: 0, low: 1, medium: 2, high: 3, critical: 4 };
const BY_RANK: Array<keyof ImageVulTotals> = ['unknown', 'low', 'medium', 'high', 'critical'];

/**
 * A digest's open vulnerabilities (any row unhandled) by their worst open
 * severity, the vulnerabilities all of whose rows are handled, and its open
 * KEV vulnerabilities: what the overview sums per image.
 */
export function openCountsOf(rows: ReadonlyArray<{ vul_id: string; severity: string; handle_status: string }>, kevVulIds: readonly string[]) {
  const worstOpen = new Map<string, number>();
  const seen = new Set<string>();
  for (const r of rows) {
    seen.add(r.vul_id);
    if (r.handle_status !== 'unhandled') continue;
    const rank = RANK[r.severity] ?? 0;
    if ((worstOpen.get(r.vul_id) ?? -1) < rank) worstOpen.set(r.vul_id, rank);
  }
  const open: ImageVulTotals = { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 };
  for (const rank of worstOpen.values()) open[BY_RANK[rank]!]++;
  const kev = new Set(kevVulIds);
  return { open, handled: seen.size - worstOpen.size, openKev: [...worstOpen.keys()].filter((id) => kev.has(id)).sort() };
}

/** Recomputes a digest's open counts from its rows (after a scan stored them, or handling changed). */
export async function recountImageDigest(db: Kysely<DB>, projectId: string, digest: string): Promise<void> {
  const content = await db.selectFrom('image_contents').select('kev_vul_ids').where('project_id', '=', projectId).where('image_digest', '=', digest).executeTakeFirst();
  if (!content) return;
  const rows = await db.selectFrom('image_vuls').select(['vul_id', 'severity', 'handle_status']).where('project_id', '=', projectId).where('image_digest', '=', digest).execute();
  const { open, handled, openKev } = openCountsOf(rows, JSON.parse(content.kev_vul_ids) as string[]);
  await db
    .updateTable('image_contents')
    .set({
      open_critical_num: open.critical,
      open_high_num: open.high,
      open_medium_num: open.medium,
      open_low_num: open.low,
      open_unknown_num: open.unknown,
      handled_num: handled,
      open_kev_vul_ids: JSON.stringify(openKev),
    })
    .where('project_id', '=', projectId)
    .where('image_digest', '=', digest)
    .execute();
}

export const totalsOf = (c: Pick<ImageContentsTable, 'critical_num' | 'high_num' | 'medium_num' | 'low_num' | 'unknown_num'>): ImageVulTotals => ({
  critical: c.critical_num,
  high: c.high_num,
  medium: c.medium_num,
  low: c.low_num,
  unknown: c.unknown_num,
});
