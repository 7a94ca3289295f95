/** `openhss db status`: what the DB holds and how old it is (Kysely over a read-only connection). */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Kysely, SqliteDialect } from 'kysely';
import type { VulnDbTables } from './schema.js';
import { openVulnDbReadonly, VulnDbSchemaError } from './store.js';

export interface FeedStatus {
  name: string;
  kind: string;
  url: string | null;
  etag: string | null;
  lastModified: string | null;
  fetchedAt: string | null;
  importedAt: string;
  records: number;
  affected: number;
  skipped: number;
  warnings: Record<string, number>;
}

export interface EcosystemStatus {
  ecosystem: string;
  /** Affected entries, distinct packages and distinct advisories for this ecosystem or release. */
  entries: number;
  packages: number;
  advisories: number;
  byStatus: Record<string, number>;
}

export interface VulnDbStatus {
  file: string;
  exists: boolean;
  /** The file exists and this openhss can read it. */
  usable: boolean;
  problem?: string;
  sizeBytes?: number;
  schemaVersion?: number;
  builtAt?: string;
  ageSeconds?: number;
  demo?: boolean;
  feeds: FeedStatus[];
  advisoriesBySource: Array<{ source: string; advisories: number }>;
  ecosystems: EcosystemStatus[];
  kev: { catalogEntries: number; flaggedAdvisories: number };
}

export async function status(dbFile: string, options: { now?: () => Date } = {}): Promise<VulnDbStatus> {
  const file = resolve(dbFile);
  const empty: VulnDbStatus = {
    file,
    exists: false,
    usable: false,
    feeds: [],
    advisoriesBySource: [],
    ecosystems: [],
    kev: { catalogEntries: 0, flaggedAdvisories: 0 },
  };
  if (!existsSync(file)) return { ...empty, problem: 'no vulnerability DB yet; run "openhss db update" or "openhss db import PATH"' };
  const sizeBytes = (await stat(file)).size;
  let sqlite;
  try {
    sqlite = openVulnDbReadonly(file);
  } catch (err) {
    const problem = err instanceof VulnDbSchemaError ? err.message : `unreadable: ${(err as Error).message}`;
    return { ...empty, exists: true, sizeBytes, problem };
  }
  const db = new Kysely<VulnDbTables>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    const meta = new Map((await db.selectFrom('meta').selectAll().execute()).map((r) => [r.key, r.value]));
    const feeds = await db.selectFrom('feeds').selectAll().orderBy('name').execute();
    const bySource = await db
      .selectFrom('advisories')
      .select(['source', (eb) => eb.fn.countAll<number>().as('advisories')])
      .groupBy('source')
      .orderBy('source')
      .execute();
    const ecosystems = await db
      .selectFrom('affected')
      .select([
        'ecosystem',
        (eb) => eb.fn.countAll<number>().as('entries'),
        (eb) => eb.fn.count<number>('package').distinct().as('packages'),
        (eb) => eb.fn.count<number>('advisory_uid').distinct().as('advisories'),
      ])
      .groupBy('ecosystem')
      .orderBy('ecosystem')
      .execute();
    const statuses = await db
      .selectFrom('affected')
      .select(['ecosystem', 'status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy(['ecosystem', 'status'])
      .execute();
    const kevEntries = await db.selectFrom('kev').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const flagged = await db
      .selectFrom('advisories')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kev', '=', 1)
      .executeTakeFirstOrThrow();

    const builtAt = meta.get('built_at');
    const now = (options.now ?? (() => new Date()))();
    return {
      file,
      exists: true,
      usable: true,
      sizeBytes,
      schemaVersion: Number(meta.get('schema_version')),
      ...(builtAt ? { builtAt, ageSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(builtAt)) / 1000)) } : {}),
      demo: meta.get('demo') === 'true',
      feeds: feeds.map((f) => ({
        name: f.name,
        kind: f.kind,
        url: f.url,
        etag: f.etag,
        lastModified: f.last_modified,
        fetchedAt: f.fetched_at,
        importedAt: f.imported_at,
        records: f.records,
        affected: f.affected,
        skipped: f.skipped,
        warnings: JSON.parse(f.warnings) as Record<string, number>,
      })),
      advisoriesBySource: bySource.map((r) => ({ source: r.source, advisories: Number(r.advisories) })),
      ecosystems: ecosystems.map((e) => ({
        ecosystem: e.ecosystem,
        entries: Number(e.entries),
        packages: Number(e.packages),
        advisories: Number(e.advisories),
        byStatus: Object.fromEntries(statuses.filter((s) => s.ecosystem === e.ecosystem).map((s) => [s.status, Number(s.n)])),
      })),
      kev: { catalogEntries: Number(kevEntries.n), flaggedAdvisories: Number(flagged.n) },
    };
  } finally {
    await db.destroy();
  }
}
