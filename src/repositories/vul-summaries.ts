import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { HANDLED_STATUSES, KIND_APP, KIND_LINUX, KIND_URGENT, statusCode } from '../domain/host-vul.js';
import { key52 } from '../domain/keys.js';
import type { VulType } from '../domain/vulnerability.js';
import type { VulListFilter } from './vul-list-repository.js';

/** A vulnerability's row of the aggregated list, before its own fields are read. */
export interface VulSummaryCounts {
  vulSeq: number;
  vulId: string;
  linux: boolean;
  hostNum: number;
  unhandledHostNum: number;
  ignoredNum: number;
  fixedNum: number;
  verifyNum: number;
  important: number;
  common: number;
  test: number;
}

/** The aggregated list's filters that vul_totals has a column for (every one the HSS route takes: all but host name and IP). */
export type VulSummaryFilter = Omit<VulListFilter, 'hostName' | 'hostIp'>;

export const KIND_BIT: Record<VulType, number> = { linux_vul: KIND_LINUX, app_vul: KIND_APP, urgent_vul: KIND_URGENT, windows_vul: 0, web_cms: 0 };
const HANDLED_CODES = HANDLED_STATUSES.map((s) => sql.lit(statusCode(s)));
export const like = (text: string) => `%${text.replace(/[%_\\]/g, '')}%`;
const sumIf = (cond: ReturnType<typeof sql>) => sql<number>`sum(case when ${cond} then t.host_num else 0 end)`;

/** How many filtered answers a process keeps, each for the version of the totals it was read at. */
const CACHED_LISTS = 32;

/**
 * The HSS aggregated vulnerability list from vul_totals (migration 0017):
 * a few rows per vulnerability instead of a row per host and vulnerability.
 * The ordered list of a filter is kept in memory for the project's totals
 * version it was read at, so the pages of one answer, and every request
 * until the next change, cost a look-up of that version.
 */
export class VulSummaries {
  private readonly cache: VersionedCache<VulSummaryCounts[]>;

  constructor(private readonly db: Kysely<DB>) {
    this.cache = new VersionedCache(db, CACHED_LISTS);
  }

  /** Every vulnerability the filter selects, most widespread first (then by id), with its counts. */
  list(projectId: string, filter: VulSummaryFilter): Promise<VulSummaryCounts[]> {
    return this.cache.get(projectId, JSON.stringify(filter), () => this.read(projectId, filter));
  }

  private async read(projectId: string, filter: VulSummaryFilter): Promise<VulSummaryCounts[]> {
    let q = this.db
      .selectFrom('vul_totals as t')
      .innerJoin('vul_info as i', 'i.seq', 't.vul_seq')
      .where('t.project_id', '=', projectId)
      .where(sql<boolean>`(t.kind & ${sql.lit(KIND_BIT[filter.type])}) <> 0`);
    if (filter.vulId) q = q.where('t.vul_seq', '=', key52(filter.vulId)).where('i.vul_id', '=', filter.vulId);
    if (filter.vulName) q = q.where('i.title', 'like', like(filter.vulName));
    if (filter.cveId) q = q.where('i.cve_ids', 'like', like(`"${filter.cveId}"`));
    if (filter.status) q = q.where('t.status', '=', statusCode(filter.status));
    if (filter.handleStatus) q = q.where(sql<boolean>`t.status ${sql.raw(filter.handleStatus === 'handled' ? 'in' : 'not in')} (${sql.join(HANDLED_CODES)})`);
    if (filter.severities?.length) q = q.where('t.severity', 'in', filter.severities);
    if (filter.assetValue) q = q.where('t.asset_value', '=', filter.assetValue);
    if (filter.enterpriseProjectIds) q = q.where('t.enterprise_project_id', 'in', filter.enterpriseProjectIds);
    const rows = await q
      .select([
        't.vul_seq',
        sql<string>`max(i.vul_id)`.as('vul_id'),
        sql<number>`max(t.kind & ${sql.lit(KIND_LINUX)})`.as('linux'),
        sql<number>`sum(t.host_num)`.as('host_num'),
        sumIf(sql`t.status not in (${sql.join(HANDLED_CODES)})`).as('unhandled'),
        sumIf(sql`t.status = ${sql.lit(statusCode('vul_status_ignored'))}`).as('ignored'),
        sumIf(sql`t.status = ${sql.lit(statusCode('vul_status_fixed'))}`).as('fixed'),
        sumIf(sql`t.status = ${sql.lit(statusCode('vul_status_verified'))}`).as('verify'),
        sumIf(sql`t.asset_value = 'important'`).as('important'),
        sumIf(sql`t.asset_value = 'common'`).as('common'),
        sumIf(sql`t.asset_value = 'test'`).as('test'),
      ])
      .groupBy('t.vul_seq')
      .having(sql<boolean>`sum(t.host_num) > 0`)
      .execute();
    const out = rows.map((r) => ({
      vulSeq: Number(r.vul_seq),
      vulId: r.vul_id,
      linux: Number(r.linux) !== 0,
      hostNum: Number(r.host_num),
      unhandledHostNum: Number(r.unhandled),
      ignoredNum: Number(r.ignored),
      fixedNum: Number(r.fixed),
      verifyNum: Number(r.verify),
      important: Number(r.important),
      common: Number(r.common),
      test: Number(r.test),
    }));
    // Sorted here rather than by the database: ids compare the same way in every process and on both backends.
    return out.sort((a, b) => b.hostNum - a.hostNum || (a.vulId < b.vulId ? -1 : a.vulId > b.vulId ? 1 : 0));
  }

  /** When a scan last found each of these vulnerabilities on a host of the project. */
  async scanTimes(projectId: string, vulSeqs: number[]): Promise<Map<number, number>> {
    if (vulSeqs.length === 0) return new Map();
    const rows = await this.db.selectFrom('vul_seen').select(['vul_seq', 'scan_time']).where('project_id', '=', projectId).where('vul_seq', 'in', vulSeqs).execute();
    return new Map(rows.map((r) => [Number(r.vul_seq), Number(r.scan_time)]));
  }
}

/**
 * Answers computed from a project's host vulnerabilities, each kept for the
 * project's totals version (vul_totals_versions) it was computed at, least
 * recently used dropped first. Every transaction that changes host_vuls
 * rows, or the hosts' asset value or enterprise project, raises the version
 * as its last statement, in whichever process it runs.
 */
export class VersionedCache<T> {
  private readonly entries = new Map<string, { version: number; value: T }>();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly size: number,
  ) {}

  /** The project's totals version (0 before any change). */
  async version(projectId: string): Promise<number> {
    const row = await this.db.selectFrom('vul_totals_versions').select('version').where('project_id', '=', projectId).executeTakeFirst();
    return row ? Number(row.version) : 0;
  }

  async get(projectId: string, key: string, compute: () => Promise<T>): Promise<T> {
    // The version is read first: an answer computed after a change is at worst kept under the version before it, and computed again.
    const version = await this.version(projectId);
    const full = `${projectId}\u0000${key}`;
    const cached = this.entries.get(full);
    this.entries.delete(full);
    if (cached && cached.version === version) {
      this.entries.set(full, cached);
      return cached.value;
    }
    const value = await compute();
    this.entries.set(full, { version, value });
    while (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}
